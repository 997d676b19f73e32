/* Sleeps on the monotonic clock go straight to the kernel, past libfaketime 0.9.10, whose
 * clock_nanosleep shifts a TIMER_ABSTIME deadline by the faked offset even on a clock it was
 * told not to fake (FAKETIME_DONT_FAKE_MONOTONIC=1), so every such sleep fails with EINVAL.
 * Other clocks go on to libfaketime. Built and preloaded by packaging/fake_clock. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *request,
                    struct timespec *remain)
{
    if (clock_id == CLOCK_MONOTONIC || clock_id == CLOCK_BOOTTIME) {
        if (syscall(SYS_clock_nanosleep, clock_id, flags, request, remain) == 0)
            return 0;
        return errno;
    }
    static int (*next)(clockid_t, int, const struct timespec *, struct timespec *);
    if (next == NULL)
        next = dlsym(RTLD_NEXT, "clock_nanosleep");
    return next(clock_id, flags, request, remain);
}
