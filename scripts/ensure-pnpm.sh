# Sourced by scripts/demo and scripts/test: installs the pnpm pinned in package.json's
# packageManager when it is missing (corepack does not work on our machines), as one line.
source scripts/quietly.sh
PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  quietly "installing pnpm $PNPM_VERSION" npm install -g "pnpm@$PNPM_VERSION"
fi
