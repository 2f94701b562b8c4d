/* outfile.h - output files that are either complete or absent.
 *
 * of_open() writes to a fresh temporary next to the target
 * ("<path>.tmp.XXXXXX", same directory so the final rename is atomic);
 * of_commit() flushes, checks for write errors, fsyncs, closes and renames
 * it over the target; of_abort() closes and deletes it. A reader therefore
 * never sees a half-written report, and a failed or interrupted run leaves
 * the previous file (or nothing) in place, never a truncated one.
 *
 * The path "-" means stdout: no temporary, commit only flushes it.
 *
 * Open temporaries are kept in a small static registry; after
 * of_install_signals(), SIGINT, SIGTERM or SIGHUP unlinks every registered
 * temporary and exits with status 130 (ERR_INTERRUPTED). Not thread-safe:
 * the registry assumes one thread opens and commits files.
 */
#ifndef ATTN_OUTFILE_H
#define ATTN_OUTFILE_H

#include <stdio.h>

#include "err.h"

#define OF_MAX_OPEN 16 /* temporaries open at once */

typedef struct outfile {
  FILE *f;  /* write here between of_open and of_commit/of_abort */
  int slot; /* registry slot; -1 for stdout or when closed */
} outfile_t;

/* Open path for writing (via a temporary, or stdout for "-").
 * Returns 0, or ERR_RUN (cannot create the temporary, path too long, too
 * many open outfiles); on error o->f is NULL and nothing is left behind. */
int of_open(outfile_t *o, const char *path, err_t *e);
/* Finish: flush, check ferror, fsync, close, rename over the target.
 * Returns 0 or ERR_RUN (naming the target and the system error); on error
 * the temporary is deleted and the target left untouched. Either way o is
 * closed afterwards (no of_abort needed). */
int of_commit(outfile_t *o, err_t *e);
/* Close and delete the temporary; the target is untouched. Safe to call
 * on an outfile already committed or aborted. */
void of_abort(outfile_t *o);
/* Install the SIGINT/SIGTERM/SIGHUP handlers (signals the parent process
 * ignores stay ignored). Call once, early in main. */
void of_install_signals(void);

#endif
