"""Builds the Python package `authflow`: CMake compiles the C++ library (static) and the
pybind11 module, setuptools packages them with python/authflow. No download: the C++
dependencies come from Debian packages (scripts/install-deps.sh), and pip must be run with
--no-build-isolation so that Debian's setuptools is used.

    pip install --no-build-isolation .

Environment: AUTHFLOW_CMAKE_ARGS (extra CMake arguments), AUTHFLOW_BUILD_JOBS (default 2).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def project_version() -> str:
    text = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    match = re.search(r"project\(authflow VERSION ([0-9.]+)", text)
    return match.group(1) if match else "0.0.0"


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        target = Path(self.get_ext_fullpath(ext.name)).resolve()
        build_dir = Path(self.build_temp).resolve() / "cmake"
        build_dir.mkdir(parents=True, exist_ok=True)
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir), *generator,
            "-DCMAKE_BUILD_TYPE=Release",
            "-DBUILD_SHARED_LIBS=OFF",
            "-DAUTHFLOW_WITH_PYTHON=ON",
            f"-DPython3_EXECUTABLE={sys.executable}",
            "-DAUTHFLOW_BUILD_TESTS=OFF",
            "-DAUTHFLOW_BUILD_BENCH=OFF",
            "-DAUTHFLOW_BUILD_EXAMPLES=OFF",
            "-DAUTHFLOW_BUILD_CLI=OFF",
            *shlex.split(os.environ.get("AUTHFLOW_CMAKE_ARGS", "")),
        ]
        if shutil.which("ccache"):
            configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        subprocess.run(configure, check=True)
        jobs = os.environ.get("AUTHFLOW_BUILD_JOBS", "2")
        subprocess.run(
            ["cmake", "--build", str(build_dir), "--target", "authflow_python", "-j", jobs],
            check=True,
        )
        built = next((build_dir / "python" / "authflow").glob("_authflow*.so"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(
    name="authflow",
    version=project_version(),
    description="OAuth 2.0 and OpenID Connect sign-in for Python, over the authflow C++ library",
    license="Apache-2.0",
    python_requires=">=3.9",
    package_dir={"": "python"},
    packages=["authflow"],
    package_data={"authflow": ["py.typed", "*.pyi"]},
    ext_modules=[CMakeExtension("authflow._authflow")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
