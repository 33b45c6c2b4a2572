#!/bin/sh
# Install the bundle from `make package` for the current user, with a desktop menu entry:
#   sh packaging/install_linux.sh            (PREFIX defaults to ~/.local)
# Uninstall: sh packaging/install_linux.sh --uninstall
set -eu
APP_ID=io.github.inspector.Inspector
PREFIX=${PREFIX:-$HOME/.local}
HERE=$(cd "$(dirname "$0")/.." && pwd)
DEST=$PREFIX/opt/inspector

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$DEST" "$PREFIX/bin/inspector" "$PREFIX/share/applications/$APP_ID.desktop" \
         "$PREFIX/share/metainfo/$APP_ID.metainfo.xml"
  find "$PREFIX/share/icons/hicolor" -name "$APP_ID.*" -delete 2>/dev/null || true
  echo "removed Inspector from $PREFIX"
  exit 0
fi

[ -x "$HERE/dist/inspector/inspector" ] || { echo "no bundle: run 'make package' first" >&2; exit 1; }
mkdir -p "$PREFIX/opt" "$PREFIX/bin"
rm -rf "$DEST"
cp -a "$HERE/dist/inspector" "$DEST"
ln -sf "$DEST/inspector" "$PREFIX/bin/inspector"
mkdir -p "$PREFIX/share/applications"
sed "s|^Exec=.*|Exec=$DEST/inspector gui %f|; s|^TryExec=.*|TryExec=$DEST/inspector|" \
  "$HERE/packaging/$APP_ID.desktop" > "$PREFIX/share/applications/$APP_ID.desktop.tmp"
mv "$PREFIX/share/applications/$APP_ID.desktop.tmp" "$PREFIX/share/applications/$APP_ID.desktop"
install -Dm644 "$HERE/packaging/$APP_ID.metainfo.xml" "$PREFIX/share/metainfo/$APP_ID.metainfo.xml"
install -Dm644 "$HERE/resources/icons/inspector.svg" "$PREFIX/share/icons/hicolor/scalable/apps/$APP_ID.svg"
for s in 16 24 32 48 64 128 256 512; do
  install -Dm644 "$HERE/resources/icons/inspector-$s.png" "$PREFIX/share/icons/hicolor/${s}x${s}/apps/$APP_ID.png"
done
command -v update-desktop-database >/dev/null && update-desktop-database "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q "$PREFIX/share/icons/hicolor" 2>/dev/null || true
echo "installed: $PREFIX/bin/inspector and the 'Inspector' menu entry"
