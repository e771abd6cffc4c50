"""The Kubernetes manifests render with the real kustomize and validate offline, in CI."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

pytestmark = pytest.mark.unit
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def load_validator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_validate", DEPLOY / "validate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["deploy_validate"] = module
    spec.loader.exec_module(module)
    return module


validator = load_validator()


def test_every_overlay_renders_and_validates() -> None:
    lines = validator.validate_all()
    kinds = {(line.split(":")[0], line.split(": ")[1].split("/")[0]) for line in lines}
    for overlay in ("dev", "prod"):
        for kind in ("Deployment", "Job", "PodDisruptionBudget", "ConfigMap", "ScaledObject"):
            assert (overlay, kind) in kinds
    assert ("prod", "Cluster") in kinds
    assert len([line for line in lines if line.startswith("prod: Deployment/")]) == 4


def by_key(resources: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["kind"], r["metadata"]["name"]): r for r in resources}


def test_the_overlays_change_what_they_say() -> None:
    dev = by_key(validator.render(DEPLOY / "kustomize/overlays/dev"))
    prod = by_key(validator.render(DEPLOY / "kustomize/overlays/prod"))
    store_dev = dev[("Deployment", "store")]
    store_prod = prod[("Deployment", "store")]
    assert (store_dev["spec"]["replicas"], store_prod["spec"]["replicas"]) == (1, 3)
    assert store_dev["metadata"]["namespace"] == "nianbao-dev"
    [container] = store_prod["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "ghcr.io/nianbao/nianbao:0.1.0"
    assert container["args"] == ["service", "store"]
    [database] = [e for e in container["env"] if e["name"] == "NIANBAO_DATABASE_URL"]
    assert database["valueFrom"]["secretKeyRef"] == {"name": "nianbao-db-app", "key": "uri"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    provision = dev[("Job", "nats-provision")]["spec"]["template"]["spec"]["containers"][0]
    assert provision["args"] == ["nats", "provision", "--replicas", "1"]
    sources = dev[("ConfigMap", "nianbao-sources")]["data"]["sources.yaml"]
    assert yaml.safe_load(sources)["agencies"][0]["id"] == "km-kjj"
    assert dev[("Secret", "nianbao-smtp")]["data"]["NIANBAO_SMTP_PORT"] == "MTAyNQ=="


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "kustomize"
    shutil.copytree(DEPLOY / "kustomize", copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("base/extract.yaml", "terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 20", "exceed the drain"),
        ("base/extract.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "read-only root fs"),
        ("base/extract.yaml", "containerPort: 8080", "containerPrt: 8080", "'containerPort' is a required"),
        ("base/extract.yaml", "imagePullPolicy: IfNotPresent", "imagePullPolicyy: IfNotPresent", "imagePullPolicyy"),
        ("base/extract.yaml", "path: /readyz", "path: /healthz", "probes must be"),
        ("base/kustomization.yaml", "- notify.yaml", "- notfy.yaml", "notfy.yaml: no such file"),
        ("base/extract-scaledobject.yaml", "name: extract\n  minReplicaCount", "name: extractor\n  minReplicaCount", "not a Deployment"),
        ("base/notify.yaml", "args:\n        - service", "args:\n        - servce", "is no command"),
        ("overlays/prod/kustomization.yaml", "namespace: nianbao", "nameSpace: nianbao", "not a kustomize field"),
    ],
)  # fmt: skip
def test_a_broken_manifest_is_caught(
    tree: Path, monkeypatch: pytest.MonkeyPatch, file: str, old: str, new: str, message: str
) -> None:
    edit(tree / file, old, new)
    monkeypatch.setattr(validator, "KUSTOMIZE", tree)
    with pytest.raises(validator.ManifestError, match=message):
        validator.validate_all()
