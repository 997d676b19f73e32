"""Package layout that pyproject.toml cannot say alone: `resources/` stays at the top of the
repository (the product's layout) and ships inside the package as `ticket_office/resources`.

`[tool.setuptools.packages.find]` cannot add a package mapped from another folder, so the
package list is built here; the files each package carries are in pyproject.toml's
`[tool.setuptools.package-data]`.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["ticket_office*"]),
        "ticket_office.resources",
        "ticket_office.resources.icons",
    ],
    package_dir={"ticket_office.resources": "resources"},
)
