#!/usr/bin/env bash
# System packages the product needs: CJK fonts for charts and the PDF, Pango for WeasyPrint's PDF,
# LibreOffice Writer for the PDF of the bureau's documents (it converts the very .docx officials edit).
# With --test-tools, also what the rendering tests use: chromium (a real headless browser) and
# poppler-utils (pdffonts, pdftotext, pdfinfo). .ci/run passes it; `make setup` does not.
# As root, installs what is missing; otherwise prints the one command to run and fails.
set -euo pipefail
packages=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 fontconfig libreoffice-writer)
if [[ "${1:-}" == "--test-tools" ]]; then
  packages+=(chromium poppler-utils libreoffice-writer)
fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -eq 0 ]]; then
  echo "安装系统软件包 / installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fc-cache -f >/dev/null
else
  echo "缺少系统软件包 / missing system packages: ${missing[*]}" >&2
  echo "请运行 / run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
