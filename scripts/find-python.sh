#!/usr/bin/env sh
# Print the path of a Python >= 3.12 (Django 6 needs it), or explain what to install and fail.
# Looks at $PYTHON, the usual names on PATH, then pyenv's and /usr/local's installs.
ok() { "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

for candidate in "${PYTHON:-}" python3.14 python3.13 python3.12 python3 python; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if ok "$path"; then echo "$path"; exit 0; fi
done
for path in "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /opt/python*/bin/python3; do
  [ -x "$path" ] || continue
  if ok "$path"; then echo "$path"; exit 0; fi
done

cat >&2 <<'MSG'
找不到 Python 3.12 或更高版本（Django 6 需要）。请安装其一后重试，例如：
  Debian/Ubuntu:  sudo apt-get install python3.12 python3.12-venv
  pyenv:          pyenv install 3.12
  或指定解释器:   make run PYTHON=/path/to/python3.12
No Python >= 3.12 found (Django 6 needs it): install one (see above) or pass PYTHON=/path/to/python3.12.
MSG
exit 1
