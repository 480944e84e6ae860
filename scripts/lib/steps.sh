# Sourced by the scripts: `step "what" command...` says what it is doing before it starts and how
# long it took when it ends, so that no minute of a fresh machine's set-up passes silently.
# Messages go to stderr; the command's own output is left as it is.
steps_started=$SECONDS

step() {
  local what=$1 started=$SECONDS status=0
  shift
  printf '==> %s\n' "$what" >&2
  "$@" || status=$?
  if [ "$status" -ne 0 ]; then
    printf '==> %s: failed after %ss (exit %s)\n' "$what" "$((SECONDS - started))" "$status" >&2
    return "$status"
  fi
  printf '    %s: done in %ss\n' "$what" "$((SECONDS - started))" >&2
}

# The build configuration both README commands share: one build serves the tests and the
# `faultline` binary, so running both costs one build. FAULTLINE_CONFIGURATION=release builds an
# optimised binary instead (what the benchmarks use).
faultline_configuration=${FAULTLINE_CONFIGURATION:-debug}
