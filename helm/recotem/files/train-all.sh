# Train every recipe given as an argument (default: every *.yaml in $RECIPES_DIR), even when one
# fails. Then exit with the first retryable failure code (1, 4, 6, 7, or a signal such as 137 after
# an OOM kill) so the Job retries, else with the first failure code (2, 3, 5, 8, 9: a retry cannot
# help), else 0. POSIX sh: runs under dash.
set -u
if [ "$#" -eq 0 ]; then
  set -- "$RECIPES_DIR"/*.yaml
  if [ ! -e "$1" ]; then
    echo "recotem-train: no *.yaml recipe in $RECIPES_DIR" >&2
    exit 2
  fi
fi
first_failure=0
first_retryable=0
for recipe in "$@"; do
  if [ -f "$recipe" ]; then
    # TRAIN_FLAGS holds plain flags (no spaces inside one flag): word splitting is intended.
    recotem train ${TRAIN_FLAGS:-} "$recipe"
    rc=$?
  else
    echo "recotem-train: recipe file not found: $recipe" >&2
    rc=2
  fi
  if [ "$rc" -ne 0 ]; then
    echo "recotem-train: $recipe failed with exit code $rc" >&2
    if [ "$first_failure" -eq 0 ]; then first_failure=$rc; fi
    case "$rc" in
      2|3|5|8|9) ;;
      *) if [ "$first_retryable" -eq 0 ]; then first_retryable=$rc; fi ;;
    esac
  fi
done
if [ "$first_retryable" -ne 0 ]; then exit "$first_retryable"; fi
exit "$first_failure"
