#!/usr/bin/env bash
# `make dist` on Linux: the frozen one-folder app (PyInstaller, installers/chartside.spec), then
#   dist/chartside-VERSION-linux-MACHINE.tar.gz   portable: unpack anywhere, run chartside/chartside
#   dist/chartside_VERSION_ARCH.deb               /opt/chartside, /usr/bin/chartside, menu entry
#   dist/SHA256SUMS                               checksums of both, for `sha256sum -c`
# Environment: PY (default .venv/bin/python, needs the `dist` extra), DIST_REUSE=1 skips
# PyInstaller when build/pyinstaller/dist/chartside exists (packaging only).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
VERSION=$("$PY" -c 'from core.version import __version__; print(__version__)')
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
MACHINE=$(uname -m)
WORK=build/pyinstaller
OUT=dist
APP="$WORK/dist/chartside"

if [ "${DIST_REUSE:-0}" != 1 ] || [ ! -x "$APP/chartside" ]; then
  "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$WORK/dist" --workpath "$WORK/build" installers/chartside.spec
fi
# Debug sections out of the wheels' libraries (126 MB; docs/installers.md). Idempotent.
"$PY" installers/strip_debug.py "$APP"

rm -rf "$OUT"
mkdir -p "$OUT"
TARBALL="chartside-$VERSION-linux-$MACHINE.tar.gz"
tar -C "$WORK/dist" --owner=0 --group=0 --transform "s,^chartside,chartside-$VERSION," \
  -czf "$OUT/$TARBALL" chartside

ROOTFS="$WORK/deb"
rm -rf "$ROOTFS"
mkdir -p "$ROOTFS/DEBIAN" "$ROOTFS/opt" "$ROOTFS/usr/bin" "$ROOTFS/usr/share/applications" \
  "$ROOTFS/usr/share/icons/hicolor/scalable/apps"
cp -a "$APP" "$ROOTFS/opt/chartside"
ln -s /opt/chartside/chartside "$ROOTFS/usr/bin/chartside"
install -m 0644 installers/linux/chartside.desktop "$ROOTFS/usr/share/applications/"
install -m 0644 resources/icons/chartside.svg "$ROOTFS/usr/share/icons/hicolor/scalable/apps/"
DEPENDS=$(tr -s ' \n' '\n' < resources/system/debian-packages.txt | sed '/^$/d' | paste -sd, - \
  | sed 's/,/, /g')
SIZE=$(du -sk "$ROOTFS/opt" "$ROOTFS/usr" | awk '{s += $1} END {print s}')
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@DEPENDS@/$DEPENDS/" \
  -e "s/@SIZE@/$SIZE/" installers/linux/control.in > "$ROOTFS/DEBIAN/control"
DEB="chartside_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zgzip -z6 --build "$ROOTFS" "$OUT/$DEB" >/dev/null

(cd "$OUT" && sha256sum "$TARBALL" "$DEB" > SHA256SUMS)
du -sk "$APP" | awk '{printf "bundle: %.0f MB unpacked\n", $1 / 1024}'
ls -l "$OUT"
