// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Command rsswrap stands in for a provider binary to measure it: Terraform starts it as the plugin, it
// runs the real binary (its own path with ".real" appended) with the same arguments, standard streams
// and environment, and when that exits appends a line to BENCH_RSS_FILE: the provider process's peak
// resident set size in KiB (getrusage ru_maxrss) and its user and system CPU time in microseconds.
// Without BENCH_RSS_FILE it only runs the provider. BENCH_PROVIDER_ENV (KEY=VALUE pairs separated by
// spaces) is added to the provider's environment only, so that a setting such as GOGC reaches the
// provider and not Terraform. Signals are passed on; the exit status is the provider's.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rsswrap:", err)
		os.Exit(2)
	}
	out := os.Getenv("BENCH_RSS_FILE")
	cmd := exec.Command(self+".real", os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if extra := strings.Fields(os.Getenv("BENCH_PROVIDER_ENV")); len(extra) > 0 {
		cmd.Env = append(os.Environ(), extra...)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "rsswrap:", err)
		os.Exit(2)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && out != "" {
		if f, ferr := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); ferr == nil {
			fmt.Fprintf(f, "%d %d %d\n", ru.Maxrss, ru.Utime.Nano()/1000, ru.Stime.Nano()/1000)
			_ = f.Close()
		}
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			os.Exit(ee.ExitCode())
		}
		os.Exit(1)
	}
}
