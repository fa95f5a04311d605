package main

import "syscall"

// childProcAttr puts the child in its own process group and ends it if the
// supervisor dies (Pdeathsig is Linux's).
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
