"""Print pip constraints pinning every runtime dependency in pyproject.toml to its lowest declared version
(`name>=X` becomes `name==X`), so CI can prove that those versions really work. A dependency without a `>=`
lower bound is an error: every bound we declare must be one we test."""

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
missing = []
for line in project["dependencies"]:
    requirement = Requirement(line)
    lowest = [spec.version for spec in requirement.specifier if spec.operator == ">="]
    if not lowest:
        missing.append(requirement.name)
        continue
    print(f"{requirement.name}=={lowest[0]}")
if missing:
    sys.exit(f"no lower bound (>=) declared for: {', '.join(missing)}")
