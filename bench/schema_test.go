// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package bench

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
)

// listenLoopback listens on a free loopback port.
func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startToSchema starts a provider binary as Terraform does (the go-plugin handshake) and returns the time from the start of the process to the answer of GetProviderSchema, the first
// call Terraform makes. The answer is not decoded: its arrival is what is timed.
func startToSchema(t *testing.T, bin string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(),
		"TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
		"PLUGIN_PROTOCOL_VERSIONS=5,6", "PLUGIN_MIN_PORT=10000", "PLUGIN_MAX_PORT=25000")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	// CORE-PROTOCOL-VERSION|APP-PROTOCOL-VERSION|NETWORK|ADDRESS|PROTOCOL
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("%s: no handshake: %v", bin, err)
	}
	parts := strings.Split(strings.TrimSpace(line), "|")
	// Plugin protocol 6 (the framework) or 5 (SDKv2 providers such as the MySQL provider).
	method := map[string]string{"6": "/tfplugin6.Provider/GetProviderSchema", "5": "/tfplugin5.Provider/GetSchema"}
	if len(parts) < 5 || method[parts[1]] == "" || parts[4] != "grpc" {
		t.Fatalf("%s: unexpected handshake %q", bin, line)
	}
	network, addr := parts[2], parts[3]
	conn, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, a)
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Invoke(ctx, method[parts[1]], &emptypb.Empty{}, &emptypb.Empty{}); err != nil {
		t.Fatalf("%s: GetProviderSchema: %v", bin, err)
	}
	return time.Since(start)
}
