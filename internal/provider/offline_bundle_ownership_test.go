// Copyright (c) zenmlpro-infra and contributors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/bundle"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/images/oci"
	"github.com/zenmlpro-infra/terraform-provider-zenmlpro/internal/testsupport/registryfake"
)

// insideHost is the internal registry the test bundles name; nothing is pushed there.
const insideHost = "harbor.internal.example.com"

// otherWriter writes the bundle of bundleBlock at dir as another configuration does that names the
// same directory (it takes the bundle there for its own), and returns what it wrote.
func (s bundleSource) otherWriter(t *testing.T, dir string, createdAt time.Time) bundle.Written {
	t.Helper()
	c, err := oci.NewClient(oci.Options{Registries: map[string]oci.Registry{s.reg.Host: {Username: "zenml-customer", Password: "zenml-pw"}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := bundle.Plan(nil, bundle.Spec{ControlPlaneVersion: "0.13.0", WorkspaceVersions: []string{"0.93.2"}, Source: images.SourcePrivate,
		Registry: s.reg.Host + "/zenml", ChartRegistry: s.reg.Host + "/charts", InternalRegistry: insideHost + "/zenml", IncludeClient: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := bundle.WriteOptions{CreatedAt: createdAt}
	if prev, err := bundle.ReadManifest(dir); err == nil {
		opts.Replace = &prev
	}
	w, err := bundle.Write(t.Context(), c, m, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// editWithNewSums changes manifest.txt of the bundle at dir and makes SHA256SUMS again with sha256sum,
// as a hand edit that covers its tracks does: the bundle verifies against its own SHA256SUMS.
func editWithNewSums(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "manifest.txt"), []byte("edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "cd '" + dir + "' && sums=$(mktemp) && find . -type f ! -name SHA256SUMS | sed 's|^\\./||' | sort | xargs sha256sum > \"$sums\" && " +
		"mv \"$sums\" SHA256SUMS && chmod 0644 SHA256SUMS"
	if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("making SHA256SUMS again: %v\n%s", err, out)
	}
	if err := sha256sumCheck(dir); err != nil {
		t.Fatalf("the edited bundle must verify against its new SHA256SUMS: %v", err)
	}
}

// fileDigest is the record's digest of a file of the bundle at dir.
func fileDigest(t *testing.T, dir, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return bundle.Digest(b)
}

// besideBundle lists the entries of the bundle directory's parent.
func besideBundle(dir string) []string {
	entries, _ := os.ReadDir(filepath.Dir(dir))
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// recordIsOnDisk checks that the resource records the digests of the SHA256SUMS and manifest.json at dir.
func recordIsOnDisk(t *testing.T, addr, dir string) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		attrs := st.RootModule().Resources[addr].Primary.Attributes
		for attr, file := range map[string]string{"sha256sums_digest": "SHA256SUMS", "manifest_digest": "manifest.json"} {
			if got, want := attrs[attr], fileDigest(t, dir, file); got != want {
				return fmt.Errorf("%s %s = %q; want the digest of %s on disk, %s", addr, attr, got, file, want)
			}
		}
		return nil
	}
}

// The state records what it wrote and holds the directory to that record: a bundle edited with a
// SHA256SUMS made again, or written again by another configuration, is a rebuild in the plan; a
// directory holding a bundle this state did not write is refused at create with the import that
// takes it over, and the import records what it verified; a destroy with keep_on_destroy = false
// deletes nothing when the directory holds another configuration's bundle.
func TestAccOfflineBundle_ownership(t *testing.T) {
	s := startBundleSource(t)
	dir := filepath.Join(t.TempDir(), "zenml-bundle")
	taken := filepath.Join(t.TempDir(), "taken")
	addr := "zenmlpro_offline_bundle.b"
	config := fullSourceBlock + s.bundleBlock(dir, insideHost, "  keep_on_destroy = false\n")
	second := fmt.Sprintf(`
resource "zenmlpro_offline_bundle" "c" {
  directory             = %q
  control_plane_version = "0.13.0"
  workspace_versions    = ["0.93.2"]
  source                = "private"
  registry              = "%s/zenml"
  chart_registry        = "%s/charts"
  internal_registry     = "%s/zenml"
}
`, taken, s.reg.Host, s.reg.Host, insideHost)
	var theirs bundle.Written
	testAccSteps(t, []resource.TestStep{
		{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("manifest_digest"), knownvalue.StringRegexp(regexp.MustCompile(`^sha256:[0-9a-f]{64}$`))),
			},
			Check: recordIsOnDisk(t, addr, dir),
		},
		{
			// Edited, with SHA256SUMS made again: the bundle verifies against it, but it is not what this state wrote.
			PreConfig: func() { editWithNewSums(t, dir) },
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				plancheck.ExpectUnknownValue(addr, tfjsonpath.New("sha256sums_digest")),
			}},
			Check: resource.ComposeTestCheckFunc(recordIsOnDisk(t, addr, dir), func(*terraform.State) error {
				if b, _ := os.ReadFile(filepath.Join(dir, "manifest.txt")); strings.Contains(string(b), "edited by hand") {
					return fmt.Errorf("the rebuild left the edited manifest.txt")
				}
				return sha256sumCheck(dir)
			}),
		},
		{
			// Written again by another configuration: a rebuild too.
			PreConfig: func() { s.otherWriter(t, dir, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) },
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
			}},
			Check: recordIsOnDisk(t, addr, dir),
		},
		{
			// A bundle this state did not write is no place for a new one: the error says how to import it.
			PreConfig:   func() { s.otherWriter(t, taken, time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)) },
			Config:      config + second,
			ExpectError: wrapped("Directory Holds a Bundle", taken+" already holds a bundle", "this resource did not write", "terraform import <resource address> "+taken),
		},
		{
			ResourceName:       "zenmlpro_offline_bundle.c",
			Config:             config + second,
			ImportState:        true,
			ImportStateId:      taken,
			ImportStatePersist: true,
			ImportStateCheck: func(states []*terraform.InstanceState) error {
				var imported *terraform.InstanceState
				for _, st := range states {
					if st.ID == taken {
						imported = st
					}
				}
				if imported == nil {
					return fmt.Errorf("no resource of ID %s among the %d in the state", taken, len(states))
				}
				for attr, file := range map[string]string{"sha256sums_digest": "SHA256SUMS", "manifest_digest": "manifest.json"} {
					if got, want := imported.Attributes[attr], fileDigest(t, taken, file); got != want {
						return fmt.Errorf("imported %s = %q; want the digest of %s on disk, %s", attr, got, file, want)
					}
				}
				return nil
			},
		},
		{
			// The imported bundle is this state's now: nothing to do.
			Config: config + second,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
			}},
		},
		{
			// Another configuration writes its bundle at dir just before the destroy: it stays.
			PreConfig: func() { theirs = s.otherWriter(t, dir, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) },
			Config:    config + second,
			Destroy:   true,
		},
	})
	if err := bundle.Compare(dir, theirs.Record); err != nil {
		t.Errorf("destroy with keep_on_destroy = false harmed another configuration's bundle: %v", err)
	}
	if err := sha256sumCheck(taken); err != nil {
		t.Errorf("the imported bundle (keep_on_destroy = true) was harmed: %v", err)
	}
}

// Leftovers of a killed apply (made by the test itself, as the killed provider would have left them):
// a staging directory beside the bundle with a blob cut short, and the lock file nobody holds.
func killedApplyLeftovers(t *testing.T, dir string) {
	t.Helper()
	blobs := filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".partial-4242", "images", "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blobs, strings.Repeat("ab", 32)), []byte("cut sh"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".lock"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// An apply killed in the middle re-applies cleanly and leaves nothing a plan does not see: leftovers of
// a killed rewrite are drift (a rebuild) that the apply removes; leftovers of a killed first write are
// removed by the create; a swap cut short (the bundle moved aside, the new one staged, no directory)
// is a create that removes both.
func TestAccOfflineBundle_interruptedApply(t *testing.T) {
	s := startBundleSource(t)
	dir := filepath.Join(t.TempDir(), "zenml-bundle")
	fresh := filepath.Join(t.TempDir(), "fresh")
	addr := "zenmlpro_offline_bundle.b"
	config := s.bundleBlock(dir, insideHost, "")
	withFresh := config + fmt.Sprintf(`
resource "zenmlpro_offline_bundle" "fresh" {
  directory             = %q
  control_plane_version = "0.13.0"
  workspace_versions    = ["0.93.2"]
  source                = "private"
  registry              = "%s/zenml"
  chart_registry        = "%s/charts"
  internal_registry     = "%s/zenml"
}
`, fresh, s.reg.Host, s.reg.Host, insideHost)
	clean := func(dirs ...string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			for _, d := range dirs {
				if got := besideBundle(d); strings.Join(got, ",") != filepath.Base(d) {
					return fmt.Errorf("beside the bundle %s: %v; want the bundle alone", d, got)
				}
				if err := sha256sumCheck(d); err != nil {
					return err
				}
			}
			return nil
		}
	}
	testAccSteps(t, []resource.TestStep{
		{
			Config: config,
			Check:  clean(dir),
		},
		{
			// A rewrite was killed: its leftovers are drift, and the apply removes them.
			PreConfig: func() { killedApplyLeftovers(t, dir) },
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
			}},
			Check: clean(dir),
		},
		{
			// The first write of another bundle was killed: its create removes the leftovers.
			PreConfig: func() { killedApplyLeftovers(t, fresh) },
			Config:    withFresh,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("zenmlpro_offline_bundle.fresh", plancheck.ResourceActionCreate),
			}},
			Check: clean(dir, fresh),
		},
		{
			// Killed between the two renames of the swap: no directory, the previous bundle moved aside.
			PreConfig: func() {
				if err := os.Rename(dir, filepath.Join(filepath.Dir(dir), ".zenml-bundle.partial-77.previous")); err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(filepath.Join(filepath.Dir(dir), ".zenml-bundle.partial-77", "images"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			Config: withFresh,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
			}},
			Check: clean(dir, fresh),
		},
	})
}

// pushSingleImage writes a single-platform image whose configuration names platform (os/arch) under
// repoTag in the source registry.
func (s bundleSource) pushSingleImage(t *testing.T, repoTag, osName, arch string) {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = osName, arch
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(s.reg.Host + "/" + repoTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, s.reg.Options()...); err != nil {
		t.Fatal(err)
	}
}

// The docker tarballs' platform must be kept by platforms (an error from the configuration alone, on
// docker_archive_platform, naming both and a valid value) and held by every image: an index without it
// fails the plan, a single image of another platform (its platform is in its configuration blob, which
// only the apply reads) fails the apply, each naming docker_archive_platform and what the image has.
func TestAccOfflineBundle_archivePlatform(t *testing.T) {
	s := startBundleSource(t)
	dir := filepath.Join(t.TempDir(), "zenml-bundle")
	testAccSteps(t, []resource.TestStep{
		{
			Config:   s.bundleBlock(dir, insideHost, "  platforms = [\"linux/arm64\"]\n"),
			PlanOnly: true,
			ExpectError: wrapped("Docker Archive Platform Not Kept", "docker_archive_platform is \"linux/amd64\"", "which platforms =",
				"[\"linux/arm64\"] does not keep", "docker_archive_platform = \"linux/arm64\"", "or add \"linux/amd64\" to platforms"),
		},
		{
			PreConfig:   func() { s.reg.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/arm64") },
			Config:      s.bundleBlock(dir, insideHost, ""),
			PlanOnly:    true,
			ExpectError: wrapped("Docker Archive Platform Not in Image", "has images for linux/arm64, and none for linux/amd64", "docker_archive_platform = \"linux/arm64\""),
		},
		{
			PreConfig: func() {
				s.reg.PushIndex(t, "zenml/zenml-pro-server:0.93.2", "linux/amd64", "linux/arm64")
				s.pushSingleImage(t, "zenml/zenml-pro-api:0.13.0", "linux", "arm64")
			},
			Config:      s.bundleBlock(dir, insideHost, ""),
			ExpectError: wrapped("Docker Archive Platform Not in Image", "is a single-platform image for linux/arm64, not linux/amd64"),
		},
	})
	if _, err := os.Stat(dir); err == nil {
		t.Error("a failed write left the bundle directory")
	}
}

// The warnings the CLI prints (terraform-plugin-testing shows none): a plan over a bundle another
// configuration wrote again says what differs, and a destroy with keep_on_destroy = false then keeps
// it, saying why; terraform validate refuses a platform filter that drops the tarballs' platform.
func TestAccOfflineBundleWarnings_replacedBundle(t *testing.T) {
	s := startBundleSource(t)
	dir := filepath.Join(t.TempDir(), "zenml-bundle")
	config := cliTerraformBlock + s.bundleBlock(dir, insideHost, "  keep_on_destroy = false\n")
	cli := newCLIWorkdir(t, map[string][]byte{"main.tf": []byte(cliTerraformBlock + s.bundleBlock(dir, insideHost, "  platforms = [\"linux/arm64\"]\n"))})

	out, err := cli.terraformErr("validate", "-no-color")
	if err == nil || !phrasesIn("Docker Archive Platform Not Kept", "docker_archive_platform is \"linux/amd64\" (the default)",
		"platforms = [\"linux/arm64\"] does not keep").Match(out) {
		t.Errorf("terraform validate with platforms = [\"linux/arm64\"]: %v; want the docker_archive_platform error:\n%s", err, out)
	}

	cli.writeConfig(config)
	cli.terraform("apply", "-auto-approve", "-input=false", "-no-color")
	theirs := s.otherWriter(t, dir, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))

	out = cli.terraform("plan", "-input=false", "-no-color")
	wantWarning(t, "the plan over another configuration's bundle", out, 1, "Offline Bundle Will Be Written Again",
		"does not hold exactly what this resource wrote there", "SHA256SUMS is not the one written", "manifest.json is not the one written",
		"give each its own directory")
	if !phrasesIn("zenmlpro_offline_bundle.b will be updated in-place").Match(out) {
		t.Errorf("the plan does not rebuild the bundle:\n%s", out)
	}

	out = cli.terraform("destroy", "-auto-approve", "-input=false", "-no-color")
	wantWarning(t, "the destroy", out, 1, "Offline Bundle Will Be Deleted", "if they are still exactly as written")
	wantWarning(t, "the destroy", out, 1, "Offline Bundle Kept", "no longer holds exactly what this resource wrote there",
		"SHA256SUMS is not the one written", "Nothing was deleted")
	if err := bundle.Compare(dir, theirs.Record); err != nil {
		t.Errorf("the destroy harmed the other configuration's bundle: %v", err)
	}
}

// appendSumsLine adds a line for file to SHA256SUMS of the bundle at dir: with its own digest, or
// another one.
func appendSumsLine(t *testing.T, dir, file string, ownDigest bool) {
	t.Helper()
	digest := strings.Repeat("0", 64)
	if ownDigest {
		digest = strings.TrimPrefix(fileDigest(t, dir, file), "sha256:")
	}
	f, err := os.OpenFile(filepath.Join(dir, "SHA256SUMS"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if _, err := f.WriteString(digest + "  " + file + "\n"); err != nil {
		t.Fatal(err)
	}
}

// A file listed twice in SHA256SUMS fails the data source's verification and the import, naming it,
// even when both lines carry its digest (which sha256sum -c checks twice and accepts); the resource's
// refresh sees a SHA256SUMS that is not the one it wrote, and the apply writes it again.
func TestAccOfflineBundle_duplicateSums(t *testing.T) {
	s := startBundleSource(t)
	dir := filepath.Join(t.TempDir(), "zenml-bundle")
	copied := filepath.Join(t.TempDir(), "copied")
	addr := "zenmlpro_offline_bundle.b"
	config := fullSourceBlock + s.bundleBlock(dir, insideHost, "")
	inside := fmt.Sprintf(`
data "zenmlpro_offline_bundle" "inside" {
  path = %q
}
`, dir)
	testAccSteps(t, []resource.TestStep{
		{
			Config: config,
		},
		{
			PreConfig:   func() { appendSumsLine(t, dir, "manifest.txt", true) },
			Config:      config + inside,
			ExpectError: wrapped("Bundle Does Not Match SHA256SUMS", "manifest.txt: listed more than once in SHA256SUMS"),
		},
		{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
			}},
			Check: func(*terraform.State) error {
				b, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
				if n := strings.Count(string(b), "  manifest.txt\n"); n != 1 {
					return fmt.Errorf("the bundle written again lists manifest.txt %d times", n)
				}
				return nil
			},
		},
		{
			// A copy with a second, different line for a file cannot be imported.
			PreConfig: func() {
				if out, err := exec.Command("cp", "-a", dir, copied).CombinedOutput(); err != nil {
					t.Fatalf("cp: %v\n%s", err, out)
				}
				appendSumsLine(t, copied, "charts/zenml-0.93.2.tgz", false)
			},
			ResourceName:  addr,
			Config:        config,
			ImportState:   true,
			ImportStateId: copied,
			ExpectError:   wrapped("Bundle Not Imported", "charts/zenml-0.93.2.tgz: listed more than once in SHA256SUMS"),
		},
	})
}

// A no-change refresh trusts the files' contents while their stamp (names, sizes, times, inodes) is
// the one recorded when they were last known as written, and hashes only SHA256SUMS and
// manifest.json; a blob written in place with its size and modification time kept changes its change
// time, so the next refresh hashes every file again and shows the drift. The log says which refresh
// hashed. (Not parallel: it sets the process's logging environment.)
func TestAccOfflineBundle_refreshTrustsStamp(t *testing.T) {
	s := startBundleSource(t)
	inside := registryfake.Start(t, registryfake.Options{})
	dir := filepath.Join(t.TempDir(), "zenml-bundle")
	logFile, _ := traceLogs(t)
	hashedLines := func() (trusted, hashed int) {
		b, _ := os.ReadFile(logFile)
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.Contains(line, "bundle compared with its record") {
				continue
			}
			switch {
			case strings.Contains(line, "contents_hashed=false"):
				trusted++
			case strings.Contains(line, "contents_hashed=true"):
				hashed++
			}
		}
		return trusted, hashed
	}
	testAccSteps(t, []resource.TestStep{
		{
			Config: s.bundleBlock(dir, inside.Host, ""),
		},
		{
			// The refreshes after the write trusted the contents: nothing was hashed.
			PreConfig: func() {
				trusted, hashed := hashedLines()
				if trusted == 0 || hashed != 0 {
					t.Errorf("refreshes after the write: %d trusted the stamp, %d hashed every file; want only trusted ones", trusted, hashed)
				}
				// A blob written in place: same size, its modification time set back.
				blobs, _ := filepath.Glob(filepath.Join(dir, "*", "blobs", "sha256", "*"))
				if len(blobs) == 0 {
					t.Fatal("no blobs in the bundle")
				}
				fi, err := os.Stat(blobs[0])
				if err != nil {
					t.Fatal(err)
				}
				data, _ := os.ReadFile(blobs[0])
				data[len(data)-1] ^= 0xff
				if err := os.WriteFile(blobs[0], data, fi.Mode()); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(blobs[0], fi.ModTime(), fi.ModTime()); err != nil {
					t.Fatal(err)
				}
			},
			Config:             s.bundleBlock(dir, inside.Host, ""),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			Check: func(*terraform.State) error {
				if _, hashed := hashedLines(); hashed == 0 {
					return fmt.Errorf("the refresh after a write in place did not hash the files")
				}
				return nil
			},
		},
	})
}
