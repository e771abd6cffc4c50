"""Discovery: what a portal's pages offer the crawler, and where a portal keeps its reports.

- `list_page`: a source's list page to its items and further pages (the entry point of a crawl),
  helped by `items`, `paging`, `hanweb`, `gkmlpt`, `dates`, `links` and `tree`; `model` holds
  the values they hand over (`ListItem`, `PageRequest`, `ListPage`).
- `portal`: reads a portal from its home page to propose sources (`nianbao sources discover`),
  judging pages with `columns`.

Callers import from the module that does the job; this package exports nothing itself.
"""
