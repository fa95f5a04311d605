package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// serviceStdinEnv names the two ends ("read,write") of the pipe the runner
// holds open for its connector service's standard input (see shim).
const serviceStdinEnv = "BATON_MIRO_SERVICE_STDIN"

// prepareRunner, in the runner, makes the pipe that will be its connector
// service's standard input: both ends are inherited by the shim (and only
// by it: the runner starts no other process), the write end stays open in
// the runner until it exits. The service ends, as the SDK's does, when its
// standard input closes: here when the runner is gone.
func prepareRunner() {
	r, w, err := os.Pipe()
	if err != nil {
		return // the shim then gives the service the SDK's own pipe
	}
	var fds [2]int
	for i, f := range []*os.File{r, w} {
		// Well above the descriptors the SDK hands its child (0-3), not closed on exec.
		fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD, 100)
		if err != nil {
			return
		}
		fds[i] = fd
	}
	_ = r.Close()
	_ = w.Close()
	_ = os.Setenv(serviceStdinEnv, strconv.Itoa(fds[0])+","+strconv.Itoa(fds[1]))
}

// shim is what the SDK's runner starts as its connector service: it starts
// the real service (this binary again, same arguments, standard output and
// error, listener) and exits 0 at once. The SDK's goroutine that waits for
// the service then finds it ended cleanly, before the run ends, and so never
// calls os.Exit, whose status 0 raced the run's real exit code.
//
// That Wait also closes the SDK's pipe to the service's standard input, so
// the service gets the runner's own pipe instead (prepareRunner), with the
// SDK's configuration line copied into it.
func shim() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "baton-miro: cannot find its own executable:", err)
		return 1
	}
	cmd := exec.Command(exe, os.Args[1:]...) //nolint:noctx,gosec // our own executable and arguments
	cmd.Env = append(os.Environ(), serviceEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if stdin, err := serviceStdin(); err != nil {
		fmt.Fprintln(os.Stderr, "baton-miro: starting the connector service:", err)
		return 1
	} else if stdin != nil {
		cmd.Stdin = stdin
	}
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
		_ = os.WriteFile(filepath.Join(dir, servicePidFile), []byte(strconv.Itoa(cmd.Process.Pid)), 0o600) // #nosec G703 -- the supervisor's private directory
	}
	return 0
}

// serviceStdin copies the SDK's configuration line from the shim's standard
// input into the runner's pipe and returns that pipe's read end; the write end
// is not passed on to the service.
func serviceStdin() (*os.File, error) {
	ends := strings.Split(os.Getenv(serviceStdinEnv), ",")
	if len(ends) != 2 {
		return nil, nil
	}
	rfd, err1 := strconv.Atoi(ends[0])
	wfd, err2 := strconv.Atoi(ends[1])
	if err1 != nil || err2 != nil || rfd < 3 || wfd < 3 {
		return nil, fmt.Errorf("%s=%q names no pipe", serviceStdinEnv, os.Getenv(serviceStdinEnv))
	}
	r, w := os.NewFile(uintptr(rfd), "service-stdin"), os.NewFile(uintptr(wfd), "service-stdin-w")
	syscall.CloseOnExec(rfd)
	syscall.CloseOnExec(wfd)
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("reading the SDK's configuration: %w", err)
	}
	if _, err := w.WriteString(line); err != nil {
		return nil, err
	}
	_ = w.Close()
	return r, nil
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
