"""Render the kustomize overlays without the kustomize binary and validate every manifest offline.

    python deploy/validate.py            # renders overlays/dev and overlays/prod, validates, exits 1 on error
    python deploy/validate.py --print prod   # prints the rendered overlay (what `kubectl kustomize` gives)

Rendering covers the kustomize features these manifests use and rejects any other key, so a
kustomization that this renderer would misread fails here instead of passing silently: resources
(files and directories), configMapGenerator / secretGenerator (with disableNameSuffixHash),
namespace, labels, images, and strategic-merge patches (maps merged, lists of named items merged by
name, other lists replaced).

Validation: built-in kinds against the Kubernetes OpenAPI schemas bundled in the
`kubernetes-validate` package (strict: unknown fields are errors); the custom resources (KEDA
ScaledObject, CloudNativePG Cluster), whose schemas are not bundled, against the structural checks
in CUSTOM_CHECKS; then nianbao's own rules (non-root, read-only root filesystem, probes, a grace
period longer than the drain, references that resolve, commands that exist).
"""

from __future__ import annotations

import argparse
import base64
import copy
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
KUSTOMIZE = HERE / "kustomize"
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = "1.30.0"
DRAIN_SECONDS = 25  # shared.bus.DRAIN_SECONDS
SUPPORTED_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "namespace",
    "labels",
    "images",
    "patches",
}
# Secrets that exist in the cluster but not in the manifests, per overlay (deploy/README.md).
EXTERNAL_SECRETS = {"dev": set(), "prod": {"nianbao-smtp", "nianbao-db-app"}}
Resource = dict[str, Any]


class ManifestError(Exception):
    """A manifest that does not render or does not validate; the message says which and why."""


def _load_documents(path: Path) -> list[Resource]:
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    for doc in docs:
        if not isinstance(doc, dict) or "kind" not in doc:
            raise ManifestError(f"{path}: not a Kubernetes resource: {str(doc)[:80]}")
    return docs


def _key(resource: Resource) -> tuple[str, str]:
    return resource["kind"], resource["metadata"]["name"]


def merge(base: Any, patch: Any) -> Any:
    """Strategic merge, as far as these manifests need it."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(i, dict) and "name" in i for i in [*base, *patch])
    ):
        by_name = {item["name"]: item for item in base}
        result = [
            merge(item, next((p for p in patch if p["name"] == item["name"]), {})) for item in base
        ]
        result += [copy.deepcopy(p) for p in patch if p["name"] not in by_name]
        return result
    return copy.deepcopy(patch)


def _generate(spec: dict[str, Any], kind: str, root: Path, options: dict[str, Any]) -> Resource:
    if not options.get("disableNameSuffixHash"):
        raise ManifestError(f"{root}: generators need generatorOptions.disableNameSuffixHash here")
    data: dict[str, str] = {}
    for literal in spec.get("literals", []):
        key, _, value = literal.partition("=")
        data[key] = value
    for file in spec.get("files", []):
        key, _, name = file.rpartition("=")
        path = root / (name or file)
        if not path.is_file():
            raise ManifestError(f"{root}: generator file {path} does not exist")
        data[key or path.name] = path.read_text(encoding="utf-8")
    if kind == "Secret":
        encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
        return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": spec["name"]},
                "type": "Opaque", "data": encoded}  # fmt: skip
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": spec["name"]},
        "data": data,
    }


def _image(image: str, rules: list[dict[str, str]]) -> str:
    name, _, tag = image.partition(":")
    for rule in rules:
        if rule["name"] == name:
            name = rule.get("newName", name)
            tag = rule.get("newTag", tag)
    return f"{name}:{tag}" if tag else name


def _containers(resource: Resource) -> list[dict[str, Any]]:
    spec = resource.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    return [*pod.get("containers", []), *pod.get("initContainers", [])]


def render(directory: Path) -> list[Resource]:
    """The resources a kustomization directory produces, in order."""
    file = directory / "kustomization.yaml"
    if not file.is_file():
        raise ManifestError(f"{directory}: no kustomization.yaml")
    spec = yaml.safe_load(file.read_text(encoding="utf-8"))
    unknown = set(spec) - SUPPORTED_KEYS
    if unknown:
        raise ManifestError(f"{file}: keys this renderer does not support: {sorted(unknown)}")
    resources: list[Resource] = []
    for entry in spec.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            resources += render(path)
        elif path.is_file():
            resources += _load_documents(path)
        else:
            raise ManifestError(f"{file}: resource {entry} does not exist")
    options = spec.get("generatorOptions", {})
    for generator in spec.get("configMapGenerator", []):
        resources.append(_generate(generator, "ConfigMap", directory, options))
    for generator in spec.get("secretGenerator", []):
        resources.append(_generate(generator, "Secret", directory, options))
    for patch in spec.get("patches", []):
        if set(patch) != {"path"}:
            raise ManifestError(f"{file}: only file patches (path:) are supported: {patch}")
        for doc in _load_documents(directory / patch["path"]):
            index = [i for i, r in enumerate(resources) if _key(r) == _key(doc)]
            if not index:
                raise ManifestError(f"{file}: patch target {_key(doc)} not found")
            resources[index[0]] = merge(resources[index[0]], doc)
    for label in spec.get("labels", []):
        for resource in resources:
            resource["metadata"].setdefault("labels", {}).update(label["pairs"])
    if "namespace" in spec:
        for resource in resources:
            resource["metadata"]["namespace"] = spec["namespace"]
    for resource in resources:
        for container in _containers(resource):
            container["image"] = _image(container["image"], spec.get("images", []))
    return resources


# ---- custom resources ------------------------------------------------------------------------


def _require(resource: Resource, path: str) -> Any:
    value: Any = resource
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ManifestError(f"{_key(resource)}: missing {path}")
        value = value[part]
    return value


def _check_scaled_object(resource: Resource, all_resources: list[Resource]) -> None:
    target = _require(resource, "spec.scaleTargetRef.name")
    if ("Deployment", target) not in {_key(r) for r in all_resources}:
        raise ManifestError(f"{_key(resource)}: scales {target}, which is not a Deployment here")
    for trigger in _require(resource, "spec.triggers"):
        if trigger.get("type") != "nats-jetstream":
            raise ManifestError(f"{_key(resource)}: unexpected trigger {trigger.get('type')}")
        needed = {"natsServerMonitoringEndpoint", "account", "stream", "consumer", "lagThreshold"}
        missing = needed - set(trigger.get("metadata", {}))
        if missing:
            raise ManifestError(f"{_key(resource)}: nats-jetstream trigger lacks {sorted(missing)}")
        if not all(isinstance(v, str) for v in trigger["metadata"].values()):
            raise ManifestError(f"{_key(resource)}: trigger metadata values must be strings")
    if _require(resource, "spec.minReplicaCount") > _require(resource, "spec.maxReplicaCount"):
        raise ManifestError(f"{_key(resource)}: minReplicaCount above maxReplicaCount")


def _check_cnpg_cluster(resource: Resource, _all: list[Resource]) -> None:
    if int(_require(resource, "spec.instances")) < 1:
        raise ManifestError(f"{_key(resource)}: needs at least one instance")
    _require(resource, "spec.storage.size")
    _require(resource, "spec.bootstrap.initdb.database")


CUSTOM_CHECKS: dict[tuple[str, str], Callable[[Resource, list[Resource]], None]] = {
    ("keda.sh/v1alpha1", "ScaledObject"): _check_scaled_object,
    ("postgresql.cnpg.io/v1", "Cluster"): _check_cnpg_cluster,
}


# ---- nianbao's rules -------------------------------------------------------------------------


def _nianbao_commands() -> set[str]:
    sys.path.insert(0, str(HERE.parent))
    from services.cli import main

    return set(main.commands)


def _check_workload(resource: Resource, names: set[tuple[str, str]], overlay: str) -> None:
    where = f"{overlay}: {_key(resource)}"
    pod = resource["spec"]["template"]["spec"]
    if not pod.get("securityContext", {}).get("runAsNonRoot"):
        raise ManifestError(f"{where}: pod must run as non-root")
    for container in _containers(resource):
        security = container.get("securityContext", {})
        if not security.get("readOnlyRootFilesystem") or security.get("allowPrivilegeEscalation"):
            raise ManifestError(f"{where}: container must have a read-only root fs, no escalation")
        if container["image"].endswith(":latest") or ":" not in container["image"]:
            raise ManifestError(f"{where}: image {container['image']} is not pinned")
        if container.get("args", [""])[0] not in _nianbao_commands():
            raise ManifestError(f"{where}: `nianbao {container.get('args')}` is no command")
        refs = [
            e["valueFrom"]["secretKeyRef"]["name"]
            for e in container.get("env", [])
            if "valueFrom" in e
        ]
        refs += [s["secretRef"]["name"] for s in container.get("envFrom", []) if "secretRef" in s]
        for secret in refs:
            if ("Secret", secret) not in names and secret not in EXTERNAL_SECRETS[overlay]:
                raise ManifestError(f"{where}: Secret {secret} is neither here nor documented")
        maps = [
            s["configMapRef"]["name"] for s in container.get("envFrom", []) if "configMapRef" in s
        ]
        maps += [v["configMap"]["name"] for v in pod.get("volumes", []) if "configMap" in v]
        for name in maps:
            if ("ConfigMap", name) not in names:
                raise ManifestError(f"{where}: ConfigMap {name} does not exist")
    if resource["kind"] == "Deployment":
        [container] = pod["containers"]
        paths = {probe: container.get(probe, {}).get("httpGet", {}).get("path")
                 for probe in ("livenessProbe", "readinessProbe")}  # fmt: skip
        if paths != {"livenessProbe": "/healthz", "readinessProbe": "/readyz"}:
            raise ManifestError(f"{where}: probes must be /healthz (liveness), /readyz (readiness)")
        if pod.get("terminationGracePeriodSeconds", 30) <= DRAIN_SECONDS + 5:
            raise ManifestError(f"{where}: terminationGracePeriodSeconds must exceed the drain")


def validate(resources: list[Resource], overlay: str) -> list[str]:
    """Validate rendered resources; returns one line per resource validated."""
    import kubernetes_validate

    names = {_key(r) for r in resources}
    if len(names) != len(resources):
        raise ManifestError(f"{overlay}: two resources share a kind and name")
    report = []
    for resource in resources:
        api = (resource["apiVersion"], resource["kind"])
        if api in CUSTOM_CHECKS:
            CUSTOM_CHECKS[api](resource, resources)
            report.append(f"{overlay}: {api[1]}/{resource['metadata']['name']}: structure ok (CRD)")
            continue
        try:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = "/".join(str(p) for p in exc.path)
            raise ManifestError(f"{overlay}: {_key(resource)}: {path}: {exc.message}") from exc
        if resource["kind"] in ("Deployment", "Job"):
            _check_workload(resource, names, overlay)
        if resource["kind"] == "PodDisruptionBudget":
            selector = resource["spec"]["selector"]["matchLabels"]
            if not any(r["kind"] == "Deployment" and selector.items() <= r["spec"]["template"]["metadata"]["labels"].items() for r in resources):  # fmt: skip
                raise ManifestError(f"{overlay}: {_key(resource)} selects no Deployment's pods")
        report.append(f"{overlay}: {api[1]}/{resource['metadata']['name']}: valid")
    return report


def validate_all(overlays: Iterable[str] = OVERLAYS) -> list[str]:
    """Render and validate every overlay; raises ManifestError on the first problem."""
    lines = []
    for overlay in overlays:
        lines += validate(render(KUSTOMIZE / "overlays" / overlay), overlay)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", dest="show", choices=OVERLAYS, help="print a rendered overlay")
    args = parser.parse_args()
    if args.show:
        yaml.safe_dump_all(render(KUSTOMIZE / "overlays" / args.show), sys.stdout, sort_keys=False, allow_unicode=True)  # fmt: skip
        return 0
    try:
        for line in validate_all():
            print(line)
    except ManifestError as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
