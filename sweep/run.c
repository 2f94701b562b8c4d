/* run.c - the process pool, single points, job scripts and merging.
 *
 * Invariant of the pool: a slot is busy exactly while its child has not
 * been reaped; SIGCHLD stays blocked in the parent so that a child's exit
 * is a pending signal that sigtimedwait() picks up, never a lost wakeup.
 * A point file is written only after the child has exited and only by the
 * process that started it.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "file.h"
#include "json.h"
#include "outfile.h"
#include "results.h"

#define SWR_MAX_JOBS 256
#define SWR_CSV_EVERY_S 1.0 /* results.csv rewritten at most this often */

typedef struct swr_slot {
  pid_t pid;        /* 0 = free */
  int point;        /* index of the point it runs */
  double start;     /* monotonic seconds */
  bool timed_out;   /* we sent it SIGTERM for its timeout */
} swr_slot_t;

typedef struct swr_ctx {
  const sw_spec_t *s;
  const swr_opts_t *o;
  res_table_t t;
  err_t *e;
  swr_slot_t slot[SWR_MAX_JOBS];
  int *todo, ntodo, next;  /* points to run, in order; next to start */
  int running, done, failed, skipped, interrupted;
  /* per workload, for the time left: finished points, their seconds, and
   * points not started yet */
  int nfin[SW_MAX_WORKLOADS], nqueued[SW_MAX_WORKLOADS];
  double fin_s[SW_MAX_WORKLOADS];
  double t0, last_csv;
  bool write_csv;          /* keep results.csv current (local sweep) */
} swr_ctx_t;

static double swr_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* mkdir -p for dir and dir/points. */
static int swr_mkdirs(const char *dir, err_t *e) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s", dir);
  for (char *p = path + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(path, 0777) && errno != EEXIST) break;
      *p = '/';
    }
  if ((mkdir(path, 0777) && errno != EEXIST) ||
      snprintf(path, sizeof path, "%s/points", dir) >= (int)sizeof path ||
      (mkdir(path, 0777) && errno != EEXIST))
    return err_set(e, ERR_RUN, "%s: cannot create: %s", path, strerror(errno));
  return 0;
}

/* ---- the lock and stale files -------------------------------------------- */

/* An exclusive lock on DIR/.lock for the process's life: one local sweep
 * per folder, so deleting stale scratch files is safe. */
static int swr_lock(const char *dir, err_t *e) {
  char path[PATH_MAX];
  struct flock fl;
  int fd;
  snprintf(path, sizeof path, "%s/.lock", dir);
  if ((fd = open(path, O_RDWR | O_CREAT, 0666)) < 0)
    return err_set(e, ERR_RUN, "%s: cannot create: %s", path, strerror(errno));
  (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (fcntl(fd, F_SETLK, &fl) == 0) return 0; /* fd stays open: the lock */
  close(fd);
  if (errno == EACCES || errno == EAGAIN)
    return err_set(e, ERR_BAD_INPUT, "%s: another sweep is running in this "
                   "folder", dir);
  return 0; /* no locks here (some network file systems): go on */
}

static bool swr_scratch_name(const char *name) {
  size_t n = strlen(name);
  return strstr(name, ".tmp.") != NULL ||
         (n > 9 && !strcmp(name + n - 9, ".run.json")) ||
         (n > 4 && !strcmp(name + n - 4, ".log"));
}

/* Delete what a killed sweep left: temporaries, reports and logs of
 * points that never finished. */
static void swr_clean(const char *dir) {
  char path[PATH_MAX];
  const char *sub[2] = {"", "/points"};
  for (int k = 0; k < 2; k++) {
    DIR *d;
    struct dirent *de;
    snprintf(path, sizeof path, "%s%s", dir, sub[k]);
    if (!(d = opendir(path))) continue;
    while ((de = readdir(d)))
      if (swr_scratch_name(de->d_name) &&
          snprintf(path, sizeof path, "%s%s/%s", dir, sub[k], de->d_name) <
              (int)sizeof path)
        unlink(path);
    closedir(d);
  }
}

/* ---- starting a point ---------------------------------------------------- */

static void swr_scratch(const swr_ctx_t *x, int point, const char *ext,
                        char *buf, size_t len) {
  snprintf(buf, len, "%s/points/%s%s", x->o->dir, x->t.points[point].key, ext);
}

/* In the child, before exec: default signal handlers (ignored ones stay
 * ignored), nothing blocked, die with the parent, quiet stdout, stderr to
 * the point's log. */
static void swr_child(const char *logpath, pid_t parent) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD};
  sigset_t none;
  int fd;
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction sa;
    if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
      signal(sigs[i], SIG_DFL);
  }
#ifdef __linux__
  prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (getppid() != parent) _exit(ERR_INTERRUPTED); /* it died already */
  if ((fd = open("/dev/null", O_RDWR)) >= 0) {
    dup2(fd, 0);
    dup2(fd, 1);
    close(fd);
  }
  if ((fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0666)) >= 0) {
    dup2(fd, 2);
    close(fd);
  }
}

/* Fork and exec "attnsim run" for a point into slot k. */
static int swr_start(swr_ctx_t *x, int k, int point) {
  const char *argv[SW_MAX_ARGS + 8];
  char runjson[PATH_MAX], logpath[PATH_MAX];
  sw_point_t p;
  sigset_t all, old;
  pid_t pid, parent = getpid();
  int n = 0;
  sw_point_at(x->s, point, &p);
  swr_scratch(x, point, ".run.json", runjson, sizeof runjson);
  swr_scratch(x, point, ".log", logpath, sizeof logpath);
  if (x->s->runner[0]) argv[n++] = x->s->runner;
  argv[n++] = x->o->self;
  argv[n++] = "run";
  n += sw_point_args(x->s, &p, argv + n);
  argv[n++] = "--json";
  argv[n++] = runjson;
  argv[n] = NULL;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old); /* no handler runs in the child */
  pid = fork();
  if (pid == 0) {
    swr_child(logpath, parent);
    execv(argv[0], (char *const *)argv);
    fprintf(stderr, "attnsim: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (pid < 0) return err_set(x->e, ERR_RUN, "cannot start a process: %s",
                              strerror(errno));
  x->slot[k] = (swr_slot_t){pid, point, swr_now(), false};
  x->running++;
  x->nqueued[p.workload]--;
  return 0;
}

/* ---- finishing a point --------------------------------------------------- */

/* The run's stderr as one line of at most RES_ERR_MAX bytes. */
static void swr_error_text(const char *logpath, char *buf, size_t len) {
  char *t = file_read_head(logpath, 1 << 16, NULL), *p;
  size_t n;
  buf[0] = '\0';
  if (!t) return;
  for (p = t; *p; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
  n = strlen(t);
  while (n && t[n - 1] == ' ') t[--n] = '\0';
  snprintf(buf, len, "%s", t);
  free(t);
}

/* Decide the outcome of a reaped child; false when it was interrupted
 * (nothing to record). *json gets the report's text when ok. */
static bool swr_outcome(swr_ctx_t *x, const swr_slot_t *sl, int st,
                        res_outcome_t *out, char *err, size_t errlen,
                        char **json) {
  char logpath[PATH_MAX], runjson[PATH_MAX];
  err_t rerr; /* a missing or unreadable report: swr_check_json says so */
  int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
  int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  swr_scratch(x, sl->point, ".log", logpath, sizeof logpath);
  swr_scratch(x, sl->point, ".run.json", runjson, sizeof runjson);
  *out = (res_outcome_t){"failed", code, sig, err};
  *json = NULL;
  if (sl->timed_out) {
    snprintf(err, errlen, "timed out after %g s", x->s->timeout_s);
    out->status = "timeout";
    return true;
  }
  if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || code == ERR_INTERRUPTED)
    return false;
  swr_error_text(logpath, err, errlen);
  if (sig) {
    size_t n = strlen(err);
    snprintf(err + n, errlen - n, "%skilled by signal %d", n ? "; " : "", sig);
    return true;
  }
  if (code != 0) {
    if (!err[0]) snprintf(err, errlen, "exit status %d", code);
    return true;
  }
  *json = file_read_all(runjson, JS_MAX_BYTES, NULL, NULL, &rerr);
  out->status = "ok";
  out->error = NULL;
  return true;
}

/* A report that is missing or does not parse fails the point. */
static void swr_check_json(char **json, res_outcome_t *out, char *err,
                           size_t errlen, const char *origin) {
  js_doc_t d;
  err_t pe;
  if (!*json) {
    snprintf(err, errlen, "the run wrote no report");
  } else if (js_parse(&d, *json, strlen(*json), origin, &pe)) {
    snprintf(err, errlen, "unreadable report: %s", pe.msg);
  } else {
    js_free(&d);
    return;
  }
  free(*json);
  *json = NULL;
  out->status = "failed";
  out->error = err;
}

/* Write the point file of a finished child and reload its row. */
static int swr_finish(swr_ctx_t *x, swr_slot_t *sl, int st) {
  const char *argv[SW_MAX_ARGS];
  char err[RES_ERR_MAX + 64], path[PATH_MAX];
  res_outcome_t out;
  sw_point_t p;
  cfg_t c;
  wl_t w;
  char *json;
  int argc, rc;
  if (!swr_outcome(x, sl, st, &out, err, sizeof err, &json)) {
    x->interrupted++;
    return 0;
  }
  swr_scratch(x, sl->point, ".run.json", path, sizeof path);
  if (!strcmp(out.status, "ok")) swr_check_json(&json, &out, err, sizeof err, path);
  sw_point_at(x->s, sl->point, &p);
  x->nfin[p.workload]++;
  x->fin_s[p.workload] += swr_now() - sl->start;
  sw_point_apply(x->s, &p, &c, &w);
  argc = sw_point_args(x->s, &p, argv);
  rc = res_write_point(x->o->dir, x->t.points[sl->point].key, &out, argv, argc,
                       &c, json, x->e);
  free(json);
  unlink(path);
  swr_scratch(x, sl->point, ".log", path, sizeof path);
  unlink(path);
  if (rc || res_load_row(x->o->dir, &x->t, sl->point, x->e)) return x->e->status;
  x->done++;
  if (x->t.rows[sl->point].state != RES_OK) x->failed++;
  return 0;
}

/* ---- progress ------------------------------------------------------------ */

static void swr_clock(double s, char *buf, size_t len) {
  long t = s < 0 ? 0 : (long)(s + 0.5);
  if (t >= 3600) snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

double swr_time_left(int nworkloads, const double *sum_s, const int *nfin,
                     const int *nqueued, int nrunning, const int *running_wl,
                     const double *running_s, int jobs) {
  double all_s = 0, total = 0, longest = 0, mean;
  int all_n = 0, left = nrunning, w, i;
  for (w = 0; w < nworkloads; w++) all_s += sum_s[w], all_n += nfin[w];
  if (all_n == 0) return -1;
  for (w = 0; w < nworkloads; w++) {
    mean = nfin[w] ? sum_s[w] / nfin[w] : all_s / all_n;
    if (nqueued[w] > 0 && mean > longest) longest = mean;
    if (nqueued[w] > 0) total += mean * nqueued[w], left += nqueued[w];
  }
  for (i = 0; i < nrunning; i++) {
    w = running_wl[i];
    mean = nfin[w] ? sum_s[w] / nfin[w] : all_s / all_n;
    mean = mean > running_s[i] ? mean - running_s[i] : 0;
    total += mean;
    if (mean > longest) longest = mean;
  }
  if (left == 0) return 0;
  total /= jobs < left ? jobs : left;
  return total > longest ? total : longest;
}

/* "~m:ss left" (swr_time_left). */
static void swr_eta(const swr_ctx_t *x, char *buf, size_t len) {
  int wl[SWR_MAX_JOBS], n = 0;
  double spent[SWR_MAX_JOBS], now = swr_now(), left;
  char c[32];
  for (int k = 0; k < x->o->jobs; k++) {
    sw_point_t p;
    if (!x->slot[k].pid) continue;
    sw_point_at(x->s, x->slot[k].point, &p);
    wl[n] = p.workload;
    spent[n++] = now - x->slot[k].start;
  }
  left = swr_time_left(x->s->nworkloads, x->fin_s, x->nfin, x->nqueued, n, wl,
                       spent, x->o->jobs);
  if (left < 0) snprintf(buf, len, "--:-- left");
  else swr_clock(left, c, sizeof c), snprintf(buf, len, "~%s left", c);
}

static void swr_bar(const swr_ctx_t *x) {
  int total = x->ntodo, width = 30, fill;
  char eta[40], el[32];
  fill = total ? width * x->done / total : width;
  swr_eta(x, eta, sizeof eta);
  swr_clock(swr_now() - x->t0, el, sizeof el);
  fprintf(x->o->log, "\r\033[K[%.*s%.*s] %d/%d  failed %d  running %d  %s, %s",
          fill, "##############################", width - fill,
          "..............................", x->done, total, x->failed,
          x->running, el, eta);
  fflush(x->o->log);
}

/* One line for a finished point (non-terminal output). */
static void swr_line(const swr_ctx_t *x, const swr_slot_t *sl) {
  const res_row_t *r = &x->t.rows[sl->point];
  const res_point_t *p = &x->t.points[sl->point];
  char eta[40];
  swr_eta(x, eta, sizeof eta);
  fprintf(x->o->log, "sweep: [%d/%d] point %d %s (%.2f s)", x->done, x->ntodo,
          sl->point, r->state == RES_MISSING ? "interrupted" : r->status,
          swr_now() - sl->start);
  for (int k = 0; k < x->t.nparams; k++)
    fprintf(x->o->log, "%s%s=%s", k ? " " : " ", x->t.param_names[k], p->params[k]);
  fprintf(x->o->log, ", %s%s%s\n", eta, r->error ? ": " : "", r->error ? r->error : "");
  fflush(x->o->log);
}

/* ---- the pool ------------------------------------------------------------ */

static int swr_free_slot(const swr_ctx_t *x) {
  for (int k = 0; k < x->o->jobs; k++)
    if (!x->slot[k].pid) return k;
  return -1;
}

/* Reap every exited child; finish its point. */
static int swr_reap(swr_ctx_t *x) {
  pid_t pid;
  int st;
  while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
    for (int k = 0; k < x->o->jobs; k++) {
      swr_slot_t sl = x->slot[k];
      if (sl.pid != pid) continue;
      x->slot[k].pid = 0;
      x->running--;
      if (swr_finish(x, &sl, st)) return x->e->status;
      if (x->o->progress == 0) swr_line(x, &sl);
    }
  return 0;
}

/* Wait for a child's exit, at most until the next progress tick or the
 * nearest timeout; send SIGTERM to runs past their timeout. */
static void swr_wait(swr_ctx_t *x) {
  sigset_t chld;
  double wait = 0.5, now = swr_now();
  struct timespec ts;
  for (int k = 0; k < x->o->jobs && x->s->timeout_s > 0; k++) {
    swr_slot_t *sl = &x->slot[k];
    double left = sl->start + x->s->timeout_s - now;
    if (!sl->pid || sl->timed_out) continue;
    if (left <= 0) {
      sl->timed_out = true;
      kill(sl->pid, SIGTERM);
    } else if (left < wait) {
      wait = left;
    }
  }
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  ts.tv_sec = (time_t)wait;
  ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
  (void)sigtimedwait(&chld, NULL, &ts);
}

static int swr_maybe_csv(swr_ctx_t *x, bool now) {
  if (!x->write_csv || (!now && swr_now() - x->last_csv < SWR_CSV_EVERY_S))
    return 0;
  x->last_csv = swr_now();
  return res_write_csv(x->o->dir, &x->t, x->e);
}

static int swr_loop(swr_ctx_t *x) {
  int k;
  while (x->next < x->ntodo || x->running) {
    while (x->next < x->ntodo && (k = swr_free_slot(x)) >= 0)
      if (swr_start(x, k, x->todo[x->next++])) return x->e->status;
    swr_wait(x);
    if (swr_reap(x) || swr_maybe_csv(x, false)) return x->e->status;
    if (x->o->progress == 1) swr_bar(x);
  }
  if (x->o->progress == 1) fputc('\n', x->o->log);
  return 0;
}

/* Pool setup: SIGCHLD delivered (not ignored) but blocked. */
static int swr_pool(swr_ctx_t *x) {
  sigset_t chld, old;
  int rc;
  signal(SIGCHLD, SIG_DFL);
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  x->t0 = swr_now();
  rc = swr_loop(x);
  if (rc) { /* leave no child behind on an error */
    for (int k = 0; k < x->o->jobs; k++)
      if (x->slot[k].pid) kill(x->slot[k].pid, SIGTERM);
    while (waitpid(-1, NULL, 0) > 0) continue;
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  return rc;
}

/* ---- what to run --------------------------------------------------------- */

/* Whether row i still needs a run. */
static bool swr_needed(const swr_ctx_t *x, int i) {
  const res_row_t *r = &x->t.rows[i];
  if (x->o->force || r->state == RES_MISSING) return true;
  return r->state == RES_FAILED && x->o->retry_failed;
}

typedef struct swr_keyidx {
  const char *key;
  int index;
} swr_keyidx_t;

static int swr_cmp(const void *a, const void *b) {
  const swr_keyidx_t *p = a, *q = b;
  int c = strcmp(p->key, q->key);
  return c ? c : (p->index > q->index) - (p->index < q->index);
}

/* todo: the points needing a run, one per key (the first), in order. */
static int swr_plan(swr_ctx_t *x) {
  int n = x->t.npoints;
  swr_keyidx_t *ki = malloc(((size_t)n + 1) * sizeof *ki);
  char *dup = calloc((size_t)n + 1, 1);
  x->todo = malloc(((size_t)n + 1) * sizeof *x->todo);
  if (!ki || !dup || !x->todo) {
    free(ki);
    free(dup);
    return err_set(x->e, ERR_RUN, "out of memory");
  }
  for (int i = 0; i < n; i++) ki[i] = (swr_keyidx_t){x->t.points[i].key, i};
  qsort(ki, (size_t)n, sizeof *ki, swr_cmp);
  for (int i = 1; i < n; i++)
    if (!strcmp(ki[i].key, ki[i - 1].key)) dup[ki[i].index] = 1;
  for (int i = 0; i < n; i++) {
    sw_point_t p;
    if (dup[i]) continue;
    if (!swr_needed(x, i)) {
      x->skipped++;
      continue;
    }
    x->todo[x->ntodo++] = i;
    sw_point_at(x->s, i, &p);
    x->nqueued[p.workload]++;
  }
  free(ki);
  free(dup);
  return 0;
}

static void swr_ctx_free(swr_ctx_t *x) {
  free(x->todo);
  res_free(&x->t);
  free(x);
}

static swr_ctx_t *swr_ctx_new(const sw_spec_t *s, const swr_opts_t *o,
                              err_t *e) {
  swr_ctx_t *x = calloc(1, sizeof *x);
  if (!x) {
    err_set(e, ERR_RUN, "out of memory");
    return NULL;
  }
  x->s = s;
  x->o = o;
  x->e = e;
  if (o->jobs < 1 || o->jobs > SWR_MAX_JOBS) {
    err_set(e, ERR_BAD_INPUT, "-j must be 1..%d (got %d)", SWR_MAX_JOBS, o->jobs);
    free(x);
    return NULL;
  }
  if (res_from_spec(s, &x->t, e)) {
    free(x);
    return NULL;
  }
  return x;
}

/* Load every row present (all of them: a duplicate key shares a file). */
static int swr_load_rows(swr_ctx_t *x) {
  for (int i = 0; i < x->t.npoints; i++)
    if (res_load_row(x->o->dir, &x->t, i, x->e)) return x->e->status;
  return 0;
}

static void swr_summary(const swr_ctx_t *x) {
  int ok, failed, missing;
  char el[32];
  res_counts(&x->t, &ok, &failed, &missing);
  swr_clock(swr_now() - x->t0, el, sizeof el);
  fprintf(x->o->log, "sweep %s: %d points: %d ok, %d failed, %d not finished; "
          "ran %d in %s (%.1f s) with -j %d, %d finished before; %s/results.csv\n",
          x->t.name, x->t.npoints, ok, failed, missing, x->done, el,
          swr_now() - x->t0, x->o->jobs, x->skipped, x->o->dir);
}

int swr_sweep(const sw_spec_t *s, const swr_opts_t *o, err_t *e) {
  swr_ctx_t *x;
  int rc, ok, failed, missing;
  if (swr_mkdirs(o->dir, e) || swr_lock(o->dir, e)) return e->status;
  swr_clean(o->dir);
  if (!(x = swr_ctx_new(s, o, e))) return e->status;
  x->write_csv = true;
  x->t0 = swr_now();
  rc = res_write_manifest(o->dir, &x->t, e) || swr_load_rows(x) || swr_plan(x) ||
       res_write_csv(o->dir, &x->t, e) || swr_pool(x) || swr_load_rows(x) ||
       res_write_csv(o->dir, &x->t, e);
  if (!rc) swr_summary(x);
  res_counts(&x->t, &ok, &failed, &missing);
  swr_ctx_free(x);
  if (rc) return e->status;
  return failed || missing ? ERR_RUN : 0;
}

int swr_point(const sw_spec_t *s, int index, const swr_opts_t *o, err_t *e) {
  swr_opts_t quiet;
  swr_ctx_t *x;
  int rc;
  if (index < 0 || index >= s->npoints)
    return err_set(e, ERR_BAD_INPUT, "--point %d: no such point (the spec has "
                   "%d, numbered from 0)", index, s->npoints);
  quiet = *o;
  quiet.progress = -1; /* one line at the end instead */
  if (swr_mkdirs(o->dir, e) || !(x = swr_ctx_new(s, &quiet, e))) return e->status;
  if (res_load_row(o->dir, &x->t, index, e)) {
    swr_ctx_free(x);
    return e->status;
  }
  if (swr_needed(x, index)) x->todo = malloc(sizeof *x->todo);
  if (x->todo) {
    sw_point_t p;
    sw_point_at(s, index, &p);
    x->todo[x->ntodo++] = index;
    x->nqueued[p.workload]++;
  }
  rc = swr_pool(x);
  if (!rc && o->progress >= 0)
    fprintf(o->log, "sweep: point %d %s\n", index,
            x->ntodo ? x->t.rows[index].status : "already finished");
  if (!rc) rc = x->t.rows[index].state == RES_OK || x->interrupted ? 0 : ERR_RUN;
  if (x->interrupted) rc = err_set(e, ERR_INTERRUPTED, "point %d was interrupted", index);
  swr_ctx_free(x);
  return rc;
}

/* ---- emitting jobs -------------------------------------------------------- */

/* s as one shell word: single quotes, each ' as '\''. */
static void swr_shq(FILE *f, const char *s) {
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'') fputs("'\\''", f);
    else fputc(*s, f);
  }
  fputc('\'', f);
}

/* Absolute paths of the binary, the spec and the folder. */
static int swr_abs(const sw_spec_t *s, const swr_opts_t *o, char *self,
                   char *spec, char *dir, err_t *e) {
  if (!realpath(o->self, self) || !realpath(s->path, spec) ||
      !realpath(o->dir, dir))
    return err_set(e, ERR_RUN, "cannot resolve a path: %s", strerror(errno));
  return 0;
}

static void swr_job(FILE *f, const char *self, const char *spec,
                    const char *dir) {
  swr_shq(f, self);
  fputs(" sweep ", f);
  swr_shq(f, spec);
  fputs(" -o ", f);
  swr_shq(f, dir);
}

static int swr_emit_parallel(const sw_spec_t *s, const char *self,
                             const char *spec, const char *dir, err_t *e) {
  char path[PATH_MAX + 16];
  outfile_t of;
  snprintf(path, sizeof path, "%s/jobs.txt", dir);
  if (of_open(&of, path, e)) return e->status;
  for (int i = 0; i < s->npoints; i++) {
    swr_job(of.f, self, spec, dir);
    fprintf(of.f, " --point %d\n", i);
  }
  return of_commit(&of, e);
}

/* The sweep's name with anything but [A-Za-z0-9._-] as '-': safe in a
 * comment line and as a job name. */
static void swr_safe_name(const char *name, char *buf, size_t len) {
  size_t i;
  for (i = 0; name[i] && i + 1 < len; i++)
    buf[i] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789._-", name[i]) ? name[i] : '-';
  buf[i] = '\0';
}

/* A path sbatch can take as it is on an #SBATCH line. */
static bool swr_plain_path(const char *p) {
  return strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789._-/+,@=:") == strlen(p);
}

/* A job array of at most 1000 tasks (Slurm's default MaxArraySize is
 * 1001); task t runs points t, t + tasks, t + 2 tasks... */
static int swr_emit_slurm(const sw_spec_t *s, const char *self,
                          const char *spec, const char *dir, err_t *e) {
  char path[PATH_MAX + 16], name[sizeof s->name];
  outfile_t of;
  int tasks = s->npoints < 1000 ? s->npoints : 1000;
  swr_safe_name(s->name, name, sizeof name);
  snprintf(path, sizeof path, "%s/sweep.slurm", dir);
  if (of_open(&of, path, e)) return e->status;
  fprintf(of.f, "#!/bin/sh\n# attnsim sweep %s: %d points as a Slurm job array."
          "\n# Submit: sbatch DIR/sweep.slurm; afterwards: attnsim sweep "
          "--merge DIR, where DIR is\n", name, s->npoints);
  fputs("#   ", of.f);
  swr_shq(of.f, dir);
  fprintf(of.f, "\n#SBATCH --job-name=attnsim-%s\n#SBATCH --array=0-%d\n"
          "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n", name, tasks - 1);
  if (swr_plain_path(dir)) /* sbatch reads #SBATCH lines without a shell */
    fprintf(of.f, "#SBATCH --output=%s/slurm-%%A_%%a.out\n", dir);
  fprintf(of.f, "task=${SLURM_ARRAY_TASK_ID:?not inside a Slurm job array}\n"
          "status=0\nfor p in $(seq \"$task\" %d %d); do\n  ", tasks,
          s->npoints - 1);
  swr_job(of.f, self, spec, dir);
  fputs(" --point \"$p\" || status=1\ndone\nexit $status\n", of.f);
  return of_commit(&of, e);
}

int swr_emit(const sw_spec_t *s, const char *kind, const swr_opts_t *o,
             err_t *e) {
  char self[PATH_MAX], spec[PATH_MAX], dir[PATH_MAX];
  res_table_t t;
  int rc;
  if (strcmp(kind, "parallel") && strcmp(kind, "slurm"))
    return err_set(e, ERR_BAD_INPUT, "--emit %s: unknown (expected parallel "
                   "or slurm)", kind);
  if (swr_mkdirs(o->dir, e) || swr_abs(s, o, self, spec, dir, e) ||
      res_from_spec(s, &t, e))
    return e->status;
  rc = res_write_manifest(dir, &t, e);
  res_free(&t);
  if (rc) return rc;
  rc = kind[0] == 'p' ? swr_emit_parallel(s, self, spec, dir, e)
                      : swr_emit_slurm(s, self, spec, dir, e);
  if (!rc && o->progress >= 0)
    fprintf(o->log, "sweep %s: %d points; %s written to %s/%s\n", s->name,
            s->npoints, kind[0] == 'p' ? "GNU parallel job list" :
            "Slurm job array", dir, kind[0] == 'p' ? "jobs.txt" : "sweep.slurm");
  return rc;
}

int swr_merge(const char *dir, FILE *log, err_t *e) {
  res_table_t t;
  int ok, failed, missing, rc;
  if (res_load(dir, &t, e)) return e->status;
  rc = res_write_csv(dir, &t, e);
  res_counts(&t, &ok, &failed, &missing);
  if (!rc && log)
    fprintf(log, "sweep %s: %d points: %d ok, %d failed, %d not finished; "
            "%s/results.csv\n", t.name, t.npoints, ok, failed, missing, dir);
  res_free(&t);
  if (rc) return rc;
  return failed || missing ? ERR_RUN : 0;
}
