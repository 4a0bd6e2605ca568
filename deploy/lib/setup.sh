# Shared setup steps for the README's two commands (sourced, not run).
# Installs only what is missing, so a second run costs seconds.

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# install_system_packages FILE: Debian packages, one per line, installed with apt-get if absent.
install_system_packages() {
    local missing=() pkg
    while read -r pkg; do
        [ -z "$pkg" ] && continue
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done < "$1"
    if [ ${#missing[@]} -gt 0 ]; then
        echo "setup: installing Debian packages: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# install_python_packages FILE: PyPI requirements (pinned as NAME==VERSION), installed with pip if any is
# absent or at another version.
install_python_packages() {
    if ! python3 - "$1" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    requirement = line.split("#")[0].strip()
    if requirement:
        name, _, pinned = requirement.partition("==")
        if version(name.strip()) != (pinned.strip() or version(name.strip())):
            sys.exit(1)
PY
    then
        echo "setup: installing Python packages from $1"
        python3 -m pip install -q --disable-pip-version-check -r "$1"
    fi
}
