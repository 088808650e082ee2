package spin

import "syscall"

// osYield gives the core to another runnable thread, if the OS has one
// waiting for it (a spinning waiter must not delay real work).
func osYield() { syscall.Syscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
