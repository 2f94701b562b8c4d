# bench/lib.sh - helpers bench.sh and models.sh share (sourced).

# csv_get FILE COLUMN: a column of attnsim's one-row CSV, by header name.
csv_get() {
  awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
                       NR == 2 { print $c }' "$1"
}

# now: seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }
