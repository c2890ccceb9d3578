/* bench-instructions.h: counts the user-space instructions this thread runs, for the
 * benchmarks. Unlike time, the count hardly moves when other work shares the machine, so it
 * shows what a change saves. Linux perf events only; -1 where the kernel refuses them
 * (kernel.perf_event_paranoid, containers).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/perf_event.h>
#include <sys/syscall.h>
#endif

/* A counter of this thread's instructions from now on, or -1. */
static inline int
bench_instructions_open (void)
{
#ifdef __linux__
  struct perf_event_attr attr;

  memset (&attr, 0, sizeof attr);
  attr.type = PERF_TYPE_HARDWARE;
  attr.size = sizeof attr;
  attr.config = PERF_COUNT_HW_INSTRUCTIONS;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  return (int) syscall (SYS_perf_event_open, &attr, 0, -1, -1, 0);
#else
  return -1;
#endif
}

/* The count so far, or -1 without a counter. */
static inline gint64
bench_instructions_read (int fd)
{
  guint64 count = 0;

  if (fd < 0 || read (fd, &count, sizeof count) != sizeof count)
    return -1;
  return (gint64) count;
}
