/* outfile.c - write to a temporary, rename into place on success.
 *
 * Invariant: a registry slot is marked used exactly while its temporary
 * may exist on disk, so the signal handler can delete every temporary and
 * nothing else. Slots change state only with the handled signals blocked,
 * so the handler never sees a half-written name.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OF_PATH_MAX 4096
#define OF_SUFFIX ".tmp.XXXXXX"

static char of_tmp[OF_MAX_OPEN][OF_PATH_MAX]; /* temporary's name */
static char of_dst[OF_MAX_OPEN][OF_PATH_MAX]; /* target's name */
static volatile sig_atomic_t of_used[OF_MAX_OPEN];

static const int of_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define OF_NSIGNALS (int)(sizeof of_signals / sizeof of_signals[0])

static void block_signals(sigset_t *old) {
  sigset_t s;
  int i;
  sigemptyset(&s);
  for (i = 0; i < OF_NSIGNALS; i++) sigaddset(&s, of_signals[i]);
  sigprocmask(SIG_BLOCK, &s, old);
}

static void restore_signals(const sigset_t *old) {
  sigprocmask(SIG_SETMASK, old, NULL);
}

/* Create the temporary and register it; returns its fd, -1 (errno set)
 * or -2 when every slot is taken. */
static int reserve(const char *path, int *slot) {
  sigset_t old;
  int i, fd = -1;
  block_signals(&old);
  for (i = 0; i < OF_MAX_OPEN && of_used[i]; i++) continue;
  if (i == OF_MAX_OPEN) {
    fd = -2;
  } else {
    snprintf(of_tmp[i], OF_PATH_MAX, "%s" OF_SUFFIX, path);
    fd = mkstemp(of_tmp[i]);
    if (fd >= 0) {
      of_used[i] = 1;
      snprintf(of_dst[i], OF_PATH_MAX, "%s", path);
      *slot = i;
    }
  }
  restore_signals(&old);
  return fd;
}

/* Delete the slot's temporary (unless it was renamed) and free the slot. */
static void release(int slot, int unlink_tmp) {
  sigset_t old;
  int saved = errno;
  block_signals(&old);
  if (unlink_tmp) unlink(of_tmp[slot]);
  of_used[slot] = 0;
  restore_signals(&old);
  errno = saved;
}

int of_open(outfile_t *o, const char *path, err_t *e) {
  mode_t mask;
  int fd, err;
  o->f = NULL;
  o->slot = -1;
  if (strcmp(path, "-") == 0) {
    o->f = stdout;
    return 0;
  }
  if (strlen(path) + sizeof OF_SUFFIX > OF_PATH_MAX)
    return err_set(e, ERR_RUN, "%s: output path too long", path);
  fd = reserve(path, &o->slot);
  if (fd == -2)
    return err_set(e, ERR_RUN, "%s: more than %d output files open at once",
                   path, OF_MAX_OPEN);
  if (fd < 0)
    return err_set(e, ERR_RUN, "%s: cannot create: %s", path, strerror(errno));
  /* mkstemp makes the file 0600; give it the mode fopen would have */
  mask = umask(0);
  umask(mask);
  (void)fchmod(fd, 0666 & ~mask);
  if (!(o->f = fdopen(fd, "w"))) {
    err = errno;
    close(fd);
    release(o->slot, 1);
    o->slot = -1;
    return err_set(e, ERR_RUN, "%s: cannot open for writing: %s", path,
                   strerror(err));
  }
  return 0;
}

/* Make the rename itself durable; best effort (some file systems refuse). */
static void sync_dir(const char *path) {
  char dir[OF_PATH_MAX];
  const char *slash = strrchr(path, '/');
  int fd;
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == path) snprintf(dir, sizeof dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  fd = open(dir, O_RDONLY);
  if (fd < 0) return;
  (void)fsync(fd);
  close(fd);
}

static int commit_stdout(outfile_t *o, err_t *e) {
  int bad = fflush(stdout) != 0 || ferror(stdout);
  o->f = NULL;
  if (bad) return err_set(e, ERR_RUN, "stdout: write error");
  return 0;
}

int of_commit(outfile_t *o, err_t *e) {
  int err = 0, slot = o->slot;
  FILE *f = o->f;
  if (!f) return err_set(e, ERR_RUN, "output file already closed");
  if (slot < 0) return commit_stdout(o, e);
  o->f = NULL;
  o->slot = -1;
  if (fflush(f) != 0) err = errno ? errno : EIO;
  else if (ferror(f)) err = EIO;
  else if (fsync(fileno(f)) != 0) err = errno;
  if (fclose(f) != 0 && !err) err = errno;
  if (!err && rename(of_tmp[slot], of_dst[slot]) != 0) err = errno;
  if (err) {
    err_set(e, ERR_RUN, "%s: cannot write: %s", of_dst[slot], strerror(err));
    release(slot, 1);
    return ERR_RUN;
  }
  sync_dir(of_dst[slot]);
  release(slot, 0);
  return 0;
}

void of_abort(outfile_t *o) {
  if (!o->f) return;
  if (o->slot < 0) {
    fflush(stdout);
  } else {
    fclose(o->f);
    release(o->slot, 1);
  }
  o->f = NULL;
  o->slot = -1;
}

/* Async-signal-safe: only unlink() and _exit(). */
static void of_on_signal(int sig) {
  int i;
  (void)sig;
  for (i = 0; i < OF_MAX_OPEN; i++)
    if (of_used[i]) unlink(of_tmp[i]);
  _exit(ERR_INTERRUPTED);
}

void of_install_signals(void) {
  struct sigaction sa, old;
  int i;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = of_on_signal;
  sigfillset(&sa.sa_mask);
  for (i = 0; i < OF_NSIGNALS; i++) {
    if (sigaction(of_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
      continue; /* e.g. nohup, or a background job: stay ignored */
    sigaction(of_signals[i], &sa, NULL);
  }
}
