// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

// Command cpfake serves a fake ZenML Pro Control Plane and fake workspace servers (package cpfake)
// until SIGTERM or an interrupt, for the demo. Once every server listens it writes a JSON state
// (see state) to -state-file, if given, and as one line on stdout.
//
// Each workspace server of -workspace-servers answers /api/v1/info with its name and version, a
// server_url from -workspace-url-template (its own URL without one), and, once the Control Plane
// has a workspace of that name created with enroll=true, that workspace's and its organization's
// IDs and names in the pro_* fields. Answering so, it reports its URL and version to the
// Control Plane's record of the workspace (zenml_service.status), as an enrolled server would.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/cpfake"
)

// listFlag is a flag that may repeat and takes comma lists.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// config is what the flags say.
type config struct {
	stopOnStdinEOF                bool
	listen, tlsCert, tlsKey       string
	adminUsername, adminPassword  string
	tokens, readOnlyTokens, orgs  listFlag
	workspaceServers, urlTemplate string
	stateFile, zenmlVersion       string
}

// state is what the command writes once it listens.
type state struct {
	// ControlPlaneURL is the Control Plane's base URL (its API is under /api/v1).
	ControlPlaneURL string `json:"control_plane_url"`
	// Organizations maps each organization's name to its ID.
	Organizations map[string]string `json:"organizations"`
	// WorkspaceServers maps each workspace server's name to its URL.
	WorkspaceServers map[string]string `json:"workspace_servers"`
}

func main() {
	var c config
	flag.StringVar(&c.listen, "listen", cpfake.DefaultListen, "address of the Control Plane; the workspace servers listen on the same host, each on a free port")
	flag.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS with it, the workspace servers too (needs -tls-key)")
	flag.StringVar(&c.tlsKey, "tls-key", "", "PEM key file of -tls-cert")
	flag.StringVar(&c.adminUsername, "admin-username", cpfake.DefaultAdminUsername, "username of the Control Plane's login")
	flag.StringVar(&c.adminPassword, "admin-password", "", "password of the Control Plane's login (none refuses every login)")
	flag.Var(&c.tokens, "token", "personal access token allowed everything (repeatable, or a comma list)")
	flag.Var(&c.readOnlyTokens, "read-only-token", "personal access token that may only read: writes get 403 (repeatable, or a comma list)")
	flag.Var(&c.orgs, "org", "name of an organization (repeatable, or a comma list); without any, one named "+strconv.Quote(cpfake.DefaultOrganization))
	flag.StringVar(&c.workspaceServers, "workspace-servers", "", "workspace servers to run, a comma list of name=version")
	flag.StringVar(&c.urlTemplate, "workspace-url-template", "", "server_url of a workspace server, %s standing for its name, e.g. https://zenml-%s.ml.example.com; default: its own URL")
	flag.StringVar(&c.zenmlVersion, "zenml-version", "", "ZenML version of workspaces created without one (default: null)")
	flag.StringVar(&c.stateFile, "state-file", "", "file to write the JSON state to once listening")
	flag.BoolVar(&c.stopOnStdinEOF, "stop-on-stdin-eof", false, "also stop when stdin reaches EOF (the parent closed it or died)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "cpfake: unexpected arguments:", strings.Join(flag.Args(), " "))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if c.stopOnStdinEOF {
		go func() {
			// Nothing is sent on stdin: it reaches EOF when the parent closes it or dies.
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}
	if err := run(ctx, c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cpfake:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, c config, stdout io.Writer) error {
	var certPEM, keyPEM []byte
	if c.tlsCert != "" || c.tlsKey != "" {
		if c.tlsCert == "" || c.tlsKey == "" {
			return errors.New("-tls-cert and -tls-key go together")
		}
		var err error
		if certPEM, err = os.ReadFile(c.tlsCert); err != nil {
			return err
		}
		if keyPEM, err = os.ReadFile(c.tlsKey); err != nil {
			return err
		}
	}
	servers, err := parseServers(c.workspaceServers)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(c.listen)
	if err != nil {
		return fmt.Errorf("-listen: %w", err)
	}
	orgs := map[string]string{}
	for _, o := range c.orgs {
		orgs[o] = ""
	}

	cp, err := cpfake.NewControlPlane(cpfake.ControlPlaneOptions{
		Organizations: orgs, AdminUsername: c.adminUsername, AdminPassword: c.adminPassword,
		Tokens: c.tokens, ReadOnlyTokens: c.readOnlyTokens, TLSCertPEM: certPEM, TLSKeyPEM: keyPEM,
		Listen: c.listen, ZenMLVersion: c.zenmlVersion,
	})
	if err != nil {
		return err
	}
	if err := cp.Start(); err != nil {
		return err
	}
	defer func() { _ = cp.Close() }()

	st := state{ControlPlaneURL: cp.URL(), Organizations: map[string]string{}, WorkspaceServers: map[string]string{}}
	for _, o := range cp.Organizations() {
		st.Organizations[o.Name] = o.ID
	}
	for _, s := range servers {
		ws := &workspaceServer{name: s.name, version: s.version, template: c.urlTemplate, cp: cp}
		srv, err := cpfake.NewWorkspaceServer(cpfake.WorkspaceServerOptions{
			Info: cpfake.NewServerInfo(s.name, s.version), InfoHook: ws.fill,
			TLSCertPEM: certPEM, TLSKeyPEM: keyPEM, Listen: net.JoinHostPort(host, "0"),
		})
		if err != nil {
			return err
		}
		ws.srv = srv
		if err := srv.Start(); err != nil {
			return err
		}
		defer func() { _ = srv.Close() }()
		st.WorkspaceServers[s.name] = srv.URL()
	}

	out, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if c.stateFile != "" {
		if err := writeFile(c.stateFile, append(out, '\n')); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", out); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// serverSpec is a workspace server of -workspace-servers.
type serverSpec struct{ name, version string }

// parseServers parses a comma list of name=version.
func parseServers(list string) ([]serverSpec, error) {
	var out []serverSpec
	seen := map[string]bool{}
	for _, item := range strings.Split(list, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		name, version, ok := strings.Cut(item, "=")
		name, version = strings.TrimSpace(name), strings.TrimSpace(version)
		if !ok || name == "" || version == "" {
			return nil, fmt.Errorf("-workspace-servers: %q is not name=version", item)
		}
		if seen[name] {
			return nil, fmt.Errorf("-workspace-servers: %q comes twice", name)
		}
		seen[name] = true
		out = append(out, serverSpec{name, version})
	}
	return out, nil
}

// writeFile writes data to path through a temporary file, so that a reader never sees half of it.
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// workspaceServer fills in the server model of a workspace server from the Control Plane.
type workspaceServer struct {
	name, version, template string
	cp                      *cpfake.ControlPlane
	srv                     *cpfake.WorkspaceServer
}

// fill sets the URLs of info and, once the Control Plane has enrolled a workspace of the server's
// name, its pro_* fields; it then reports the server's URL and version to that workspace's record.
func (w *workspaceServer) fill(info *cpfake.ServerInfo) {
	serverURL := w.srv.URL()
	if w.template != "" {
		serverURL = strings.ReplaceAll(w.template, "%s", w.name)
	}
	info.ServerURL, info.DashboardURL = cpfake.String(serverURL), cpfake.String(serverURL)
	info.ProDashboardURL = cpfake.String(w.cp.URL())
	info.ProAPIURL = cpfake.String(w.cp.URL() + "/api/v1")
	for _, ws := range w.cp.Workspaces() {
		if ws.Name != w.name || ws.EnrollmentKey == "" {
			continue
		}
		info.ProOrganizationID, info.ProOrganizationName = cpfake.String(ws.Organization.ID), cpfake.String(ws.Organization.Name)
		info.ProWorkspaceID, info.ProWorkspaceName = cpfake.String(ws.ID), cpfake.String(ws.Name)
		w.cp.UpdateWorkspace(ws.ID, func(rec *cpfake.Workspace) {
			rec.ServerURL, rec.ServerVersion = cpfake.String(serverURL), cpfake.String(w.version)
		})
		return
	}
}
