"""The sources file for the demo portal, and access to the seeds' ground truth.

The sources file is what an operator writes for real portals; the demo's points at the loopback
server so `nianbao` can be tried end to end offline.
"""

from __future__ import annotations

import yaml

from services.demo_portal.articles import seed_labels, seeds_dir
from services.demo_portal.catalogue import SITES
from services.demo_portal.column import KM_GOV
from services.demo_portal.site import list_url
from services.demo_portal.templates import list_url_path

__all__ = ["demo_sources_yaml", "seed_labels", "seeds_dir"]

# Politeness delays protect real portals; the loopback demo has none to protect.
_DEMO_MIN_DELAY_SECONDS = 0.05


def demo_sources_yaml(base_url: str) -> str:
    """The sources YAML for the demo portal served at `base_url` (e.g. http://127.0.0.1:8123)."""
    labels = seed_labels()
    agencies = [
        {
            "id": site.slug,
            "name": labels[site.seed_file]["agency"],
            "region_code": labels[site.seed_file]["region"]["code"],
            "expects": [site.expects],
            "sources": [
                {"list_url": list_url(base_url, site), "min_delay_seconds": _DEMO_MIN_DELAY_SECONDS}
            ],
        }
        for site in SITES
    ]
    # The city's 法治政府建设 专栏 carries its districts' and a department's reports too.
    agencies.append(
        {
            "id": KM_GOV.slug,
            "name": KM_GOV.name,
            "region_code": KM_GOV.region_code,
            "expects": ["法治政府建设年度报告", "政府信息公开工作年度报告"],
            "sources": [
                {
                    "list_url": base_url.rstrip("/") + list_url_path(KM_GOV),
                    "min_delay_seconds": _DEMO_MIN_DELAY_SECONDS,
                    "covers": {"region": KM_GOV.region_code, "kinds": ["法治政府建设年度报告"]},
                }
            ],
        }
    )
    return yaml.safe_dump(
        {"agencies": agencies}, allow_unicode=True, sort_keys=False, default_flow_style=None
    )
