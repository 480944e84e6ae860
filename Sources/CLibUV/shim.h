#ifndef FAULTLINE_CLIBUV_SHIM_H
#define FAULTLINE_CLIBUV_SHIM_H
#include <uv.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>
#include <sys/prctl.h>
/* prctl is variadic, which Swift cannot call. */
static inline int faultline_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0);
}
#endif
