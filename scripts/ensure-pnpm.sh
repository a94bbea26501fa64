# Sourced by scripts/demo and scripts/test: installs the pnpm pinned in package.json's
# packageManager when it is missing (corepack does not work on our machines), then the
# workspace's dependencies exactly as locked.
PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "== installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi
echo "== pnpm install --frozen-lockfile"
pnpm install --frozen-lockfile
