package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// shimSupported: on Linux the SDK's connector service is started through the
// shim, and the supervisor, a child subreaper, adopts it.
const shimSupported = true

// listenerFdEnv is how the SDK's runner hands the connector service its
// listening socket (internal/connector, v0.25.0; pinned by TestSDKNamesPinned).
const listenerFdEnv = "BATON_CONNECTOR_SERVICE_LISTENER_FD"

// servicePidFile, in the private directory, names the connector service for
// the supervisor.
const servicePidFile = "service.pid"

// shim is what the SDK's runner starts as its connector service: it starts
// the real service (this binary again, same arguments, standard streams and
// listener) and exits 0 at once. The SDK's goroutine that waits for the
// service then finds it ended cleanly, before the run ends, and so never calls
// os.Exit, whose status 0 raced the run's real exit code.
func shim() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "baton-miro: cannot find its own executable:", err)
		return 1
	}
	cmd := exec.Command(exe, os.Args[1:]...) //nolint:noctx,gosec // our own executable and arguments
	cmd.Env = append(os.Environ(), serviceEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if fd := os.Getenv(listenerFdEnv); fd != "" {
		n, err := strconv.Atoi(fd)
		if err != nil || n < 3 {
			fmt.Fprintf(os.Stderr, "baton-miro: %s=%q is not a file descriptor\n", listenerFdEnv, fd)
			return 1
		}
		// ExtraFiles[i] becomes descriptor 3+i: keep the number the SDK chose.
		for i := 3; i < n; i++ {
			cmd.ExtraFiles = append(cmd.ExtraFiles, nil)
		}
		cmd.ExtraFiles = append(cmd.ExtraFiles, os.NewFile(uintptr(n), "listener"))
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "baton-miro: starting the connector service:", err)
		return 1
	}
	if dir := os.Getenv(privateEnv); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, servicePidFile), []byte(strconv.Itoa(cmd.Process.Pid)), 0o600)
	}
	return 0
}

// becomeSubreaper makes the supervisor the parent of the orphaned service.
func becomeSubreaper() {
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// serviceQuit reaps the connector service if it ended and reports whether it
// ended unexpectedly, and how. It ends normally with 0 when the runner closes
// its standard input at the end of the run.
func serviceQuit(private string) (string, bool) {
	raw, err := os.ReadFile(filepath.Join(private, servicePidFile)) // #nosec G304 -- the supervisor's private directory
	if err != nil {
		return "", false
	}
	pid, err := strconv.Atoi(string(raw))
	if err != nil || pid <= 0 {
		return "", false
	}
	var ws syscall.WaitStatus
	got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	if err != nil || got != pid {
		return "", false // running, or not our child
	}
	switch {
	case ws.Exited() && ws.ExitStatus() == 0:
		return "", false
	case ws.Signaled():
		return "killed by " + ws.Signal().String(), true
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus()), true
}
