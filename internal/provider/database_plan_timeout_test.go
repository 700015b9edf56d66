// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport"
)

// stallingProxy relays TCP between a client and a MySQL server until the client sends a query that
// holds a given text; from then on it relays nothing more on that connection and never answers. It
// plays a server that logs the client in and then stops answering (a fault the real server does
// not produce on demand).
type stallingProxy struct {
	addr    string
	stalled atomic.Int32
}

func startStallingProxy(t *testing.T, backend, query string) *stallingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallingProxy{addr: ln.Addr().String()}
	done := make(chan struct{})
	var conns sync.WaitGroup
	t.Cleanup(func() {
		close(done)
		_ = ln.Close()
		conns.Wait()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				p.relay(c, backend, []byte(query), done)
			}()
		}
	}()
	return p
}

// relay copies the server's bytes to the client, and the client's packets to the server until a
// command packet (sequence 0) of type COM_QUERY holds query.
func (p *stallingProxy) relay(client net.Conn, backend string, query []byte, done chan struct{}) {
	defer func() { _ = client.Close() }()
	server, err := net.Dial("tcp", backend)
	if err != nil {
		return
	}
	defer func() { _ = server.Close() }()
	go func() { _, _ = io.Copy(client, server) }()
	go func() {
		<-done
		_ = client.Close()
		_ = server.Close()
	}()
	header := make([]byte, 4)
	for {
		if _, err := io.ReadFull(client, header); err != nil {
			return
		}
		n := int(binary.LittleEndian.Uint32(append(header[:3:3], 0)))
		payload := make([]byte, n)
		if _, err := io.ReadFull(client, payload); err != nil {
			return
		}
		if header[3] == 0 && n > 0 && payload[0] == 0x03 && bytes.Contains(payload, query) {
			p.stalled.Add(1)
			<-done // the query never reaches the server, and nothing answers it
			return
		}
		if _, err := server.Write(append(append([]byte{}, header...), payload...)); err != nil {
			return
		}
	}
}

// A create checked at plan time against a server that logs in and then never answers its queries
// ends within timeouts.read and is left to the apply: the plan completes, where it used to wait for
// the server forever.
func TestAccDatabase_PlanCheckEndsWithinReadTimeout(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	proxy := startStallingProxy(t, srv.Addr(), "VERSION()")
	host, port, err := net.SplitHostPort(proxy.addr)
	if err != nil {
		t.Fatal(err)
	}
	portNum, _ := strconv.Atoi(port)
	name := testsupport.UniqueName(t, "ws")
	config := fmt.Sprintf(`
provider "zenmlpro" {
  database_servers = {
    main = { engine = "mysql", host = %q, port = %d, username = %q, password = %q }
  }
}

resource "zenmlpro_database" "this" {
  server    = "main"
  name      = %q
  component = "workspace_server"
  timeouts  = { read = "3s" }
}
`, host, portNum, srv.Superuser.User, srv.Superuser.Password, name)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:             config,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
	if proxy.stalled.Load() == 0 {
		t.Fatal("the plan sent no query to the server that stopped answering; the test checked nothing")
	}
}

// A database server's host that is known only at apply (from another resource) meets the rule its
// validator applies to a literal host (Terraform validates the provider's configuration again once
// its values are known): "010.0.0.5" is neither a DNS name nor an IPv4 address in dotted decimal,
// and the apply names the address it may mean instead of connecting to either.
func TestAccDatabase_NumericHostKnownAtApply(t *testing.T) {
	t.Parallel()
	srv := testsupport.MySQL(t)
	name := testsupport.UniqueName(t, "numhost")
	config := `
resource "terraform_data" "db_host" {
  input = "010.0.0.5"
}
` + providerConfig(dbServer{key: "main", srv: srv, account: srv.Admin, hostExpr: "terraform_data.db_host.output"}) + fmt.Sprintf(`
resource "zenmlpro_database" "this" {
  server    = "main"
  name      = %q
  component = "workspace_server"
}
`, name)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      config,
			ExpectError: regexp.MustCompile(`(?s)Attribute database_servers\["main"\]\.host: "010\.0\.0\.5" is not a valid\s+hostname.*in decimal without\s+leading zeros: "10\.0\.0\.5"`),
		}},
	})
}
