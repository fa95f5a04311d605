// Package kubernetes checks the example manifests in this directory offline: every
// document decodes strictly into the k8s.io/api types (unknown fields, wrong types
// and duplicate keys fail, as `kubectl apply` on a real API server would), and the
// deployment follows the policy the connector needs (see README.md).
//
// Run with scripts/ci/k8s-check.sh or `cd docs/kubernetes && go test ./...`.
package kubernetes

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

const (
	image          = "ghcr.io/conductorone/baton-miro"
	nonrootUID     = int64(65532)
	healthPort     = int32(8081)
	startupBudgetS = int32(5 * 60) // the SDK retries its first ConductorOne contact for ~5 min
)

var wantLabels = map[string]string{"app": "baton-miro", "baton": "true", "baton-app": "miro"}

// Keys the secret must carry; BATON_MIRO_SCIM_ACCESS_TOKEN is optional and may be commented out.
var requiredSecretKeys = []string{"BATON_CLIENT_ID", "BATON_CLIENT_SECRET", "BATON_MIRO_ACCESS_TOKEN"}

var decoder = func() runtime.Decoder {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{appsv1.AddToScheme, corev1.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
}()

// splitDocs splits a multi-document YAML file on "---" lines and drops documents
// that hold only comments or whitespace.
func splitDocs(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---[ \t]*$`).Split(string(data), -1) {
		meaningful := false
		for _, line := range strings.Split(d, "\n") {
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
				meaningful = true
				break
			}
		}
		if meaningful {
			docs = append(docs, []byte(d))
		}
	}
	return docs
}

// decodeStrict decodes one YAML document into its typed object. Duplicate keys,
// unknown fields, wrong types and kinds other than Deployment and Secret fail.
func decodeStrict(doc []byte) (runtime.Object, error) {
	// YAMLToJSONStrict rejects duplicate keys, which a JSON decoder would silently
	// resolve to the last value.
	if _, err := yaml.YAMLToJSONStrict(doc); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	obj, gvk, err := decoder.Decode(doc, nil, nil)
	if err != nil {
		return nil, err
	}
	switch obj.(type) {
	case *appsv1.Deployment, *corev1.Secret:
		return obj, nil
	default:
		return nil, fmt.Errorf("unexpected kind %s", gvk)
	}
}

type manifests struct {
	deployments []*appsv1.Deployment
	secrets     []*corev1.Secret
}

func decodeAll(files map[string][]byte) (*manifests, error) {
	m := &manifests{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		for i, doc := range splitDocs(files[name]) {
			obj, err := decodeStrict(doc)
			if err != nil {
				return nil, fmt.Errorf("%s, document %d: %w", name, i+1, err)
			}
			switch o := obj.(type) {
			case *appsv1.Deployment:
				m.deployments = append(m.deployments, o)
			case *corev1.Secret:
				m.secrets = append(m.secrets, o)
			}
		}
	}
	return m, nil
}

func readManifests(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no *.yaml manifests found")
	}
	files := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = b
	}
	for _, want := range []string{"deployment.yaml", "secret.yaml"} {
		if _, ok := files[want]; !ok {
			t.Fatalf("%s is missing", want)
		}
	}
	return files
}

// policy returns every way the manifests break the deployment policy.
func policy(m *manifests) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if len(m.deployments) != 1 || len(m.secrets) != 1 {
		bad("want exactly one Deployment and one Secret, got %d and %d", len(m.deployments), len(m.secrets))
		return errs
	}
	d, s := m.deployments[0], m.secrets[0]

	// Secret: placeholders for the required keys, nothing that looks like a real credential.
	for _, k := range requiredSecretKeys {
		v, ok := s.StringData[k]
		if !ok {
			bad("secret %s: stringData.%s is missing", s.Name, k)
		} else if !strings.HasPrefix(v, "<") || !strings.HasSuffix(v, ">") {
			bad("secret %s: stringData.%s must be a <placeholder>, not a value", s.Name, k)
		}
	}
	if len(s.Data) != 0 {
		bad("secret %s: use stringData placeholders, not data", s.Name)
	}

	// Labels and selector.
	for k, v := range wantLabels {
		if d.Labels[k] != v {
			bad("deployment label %s=%q, want %q", k, d.Labels[k], v)
		}
		if d.Spec.Template.Labels[k] != v {
			bad("pod template label %s=%q, want %q", k, d.Spec.Template.Labels[k], v)
		}
	}
	if d.Spec.Selector == nil || len(d.Spec.Selector.MatchLabels) == 0 {
		bad("deployment has no selector.matchLabels")
	} else {
		for k, v := range d.Spec.Selector.MatchLabels {
			if d.Spec.Template.Labels[k] != v {
				bad("selector %s=%s does not match the pod template labels", k, v)
			}
		}
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		bad("replicas must be 1: one connector instance per credential")
	}

	pod := d.Spec.Template.Spec
	psc := pod.SecurityContext
	if psc == nil {
		bad("pod securityContext is missing")
		psc = &corev1.PodSecurityContext{}
	}
	if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		bad("pod securityContext.seccompProfile.type must be RuntimeDefault")
	}
	if len(pod.Containers) != 1 {
		bad("want exactly one container, got %d", len(pod.Containers))
		return errs
	}
	c := pod.Containers[0]

	if !strings.HasPrefix(c.Image, image+":") && !strings.HasPrefix(c.Image, image+"@") {
		bad("image %q is not %s:<tag> or %s@<digest>", c.Image, image, image)
	}

	// Container security: effective values (container overrides pod).
	sc := c.SecurityContext
	if sc == nil {
		bad("container securityContext is missing")
		sc = &corev1.SecurityContext{}
	}
	runAsNonRoot := firstNonNil(sc.RunAsNonRoot, psc.RunAsNonRoot)
	if runAsNonRoot == nil || !*runAsNonRoot {
		bad("runAsNonRoot must be true")
	}
	runAsUser := firstNonNil(sc.RunAsUser, psc.RunAsUser)
	if runAsUser == nil || *runAsUser != nonrootUID {
		bad("runAsUser must be %d (the image's nonroot user)", nonrootUID)
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		bad("readOnlyRootFilesystem must be true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		bad("allowPrivilegeEscalation must be false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		bad("privileged must not be true")
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		bad("capabilities.drop must contain ALL")
	} else if len(sc.Capabilities.Add) != 0 {
		bad("capabilities.add must be empty, got %v", sc.Capabilities.Add)
	}
	if sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		bad("container seccompProfile.type must be RuntimeDefault")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		bad("automountServiceAccountToken must be false: the connector never calls the Kubernetes API")
	}

	// Resources.
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[r]
		lim, okLim := c.Resources.Limits[r]
		if !okReq || !okLim {
			bad("resources: %s needs both a request and a limit", r)
			continue
		}
		if req.Cmp(lim) > 0 {
			bad("resources: %s request %s exceeds limit %s", r, req.String(), lim.String())
		}
	}

	// Environment: secret via envFrom, health check and provisioning settings.
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		if _, dup := env[e.Name]; dup {
			bad("env %s is set twice", e.Name)
		}
		env[e.Name] = e
	}
	fromSecret := false
	for _, ef := range c.EnvFrom {
		if ef.SecretRef != nil && ef.SecretRef.Name == s.Name {
			fromSecret = true
		}
	}
	if !fromSecret {
		bad("envFrom must reference secret %q", s.Name)
	}
	for _, k := range append(slices.Clone(requiredSecretKeys), "BATON_MIRO_SCIM_ACCESS_TOKEN") {
		if e, ok := env[k]; ok && e.Value != "" {
			bad("env %s has a literal value: credentials belong in the secret", k)
		}
	}
	wantEnv := map[string]string{
		"BATON_HEALTH_CHECK":              "true",
		"BATON_HEALTH_CHECK_BIND_ADDRESS": "0.0.0.0",
		"BATON_HEALTH_CHECK_PORT":         fmt.Sprint(healthPort),
	}
	for k, v := range wantEnv {
		if env[k].Value != v {
			bad("env %s=%q, want %q", k, env[k].Value, v)
		}
	}
	if p, ok := env["BATON_PROVISIONING"]; ok && p.Value != "true" && p.Value != "false" {
		bad("env BATON_PROVISIONING=%q, want \"true\" or \"false\"", p.Value)
	}
	if h, ok := env["BATON_HOST_ID"]; !ok || h.Value == "" || h.ValueFrom != nil {
		bad("env BATON_HOST_ID must be a fixed, non-empty value (the pod name changes on every rollout)")
	}

	// Probes: /live for liveness and startup, /ready for readiness, never /health
	// (it calls Miro, so an outage would crash-loop the pod).
	probe := func(name string, p *corev1.Probe, wantPath string) {
		if p == nil {
			bad("%s is missing", name)
			return
		}
		if p.HTTPGet == nil {
			bad("%s must be an httpGet probe", name)
			return
		}
		if p.HTTPGet.Path != wantPath {
			bad("%s path %q, want %q", name, p.HTTPGet.Path, wantPath)
		}
		if port := resolvePort(c, p.HTTPGet.Port); port != healthPort {
			bad("%s port %s resolves to %d, want %d", name, p.HTTPGet.Port.String(), port, healthPort)
		}
	}
	probe("livenessProbe", c.LivenessProbe, "/live")
	probe("readinessProbe", c.ReadinessProbe, "/ready")
	probe("startupProbe", c.StartupProbe, "/live")
	if sp := c.StartupProbe; sp != nil {
		if budget := max(sp.PeriodSeconds, 10) * max(sp.FailureThreshold, 3); budget < startupBudgetS {
			bad("startupProbe allows %ds (periodSeconds × failureThreshold), want at least %ds", budget, startupBudgetS)
		}
	}

	// /tmp: a size-limited emptyDir (the root filesystem is read-only; c1z files go to os.TempDir()).
	var tmpVol string
	for _, vm := range c.VolumeMounts {
		if vm.MountPath == "/tmp" {
			tmpVol = vm.Name
			if vm.ReadOnly {
				bad("/tmp must be writable")
			}
		}
	}
	if tmpVol == "" {
		bad("nothing is mounted at /tmp")
	} else {
		found := false
		for _, v := range pod.Volumes {
			if v.Name != tmpVol {
				continue
			}
			found = true
			if v.EmptyDir == nil {
				bad("volume %s at /tmp must be an emptyDir", v.Name)
			} else if v.EmptyDir.SizeLimit == nil || v.EmptyDir.SizeLimit.Cmp(resource.MustParse("0")) <= 0 {
				bad("emptyDir %s at /tmp needs a sizeLimit", v.Name)
			}
		}
		if !found {
			bad("volume %s mounted at /tmp is not defined", tmpVol)
		}
	}
	return errs
}

func firstNonNil[T any](ps ...*T) *T {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}

func resolvePort(c corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	return -1
}

func TestManifestsDecodeStrictly(t *testing.T) {
	files := readManifests(t)
	for name, data := range files {
		docs := splitDocs(data)
		if len(docs) == 0 {
			t.Errorf("%s holds no documents", name)
		}
		for i, doc := range docs {
			if _, err := decodeStrict(doc); err != nil {
				t.Errorf("%s, document %d: %v", name, i+1, err)
			}
		}
	}
}

func TestManifestsPolicy(t *testing.T) {
	m, err := decodeAll(readManifests(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range policy(m) {
		t.Error(e)
	}
}

func TestSecretDocumentsOptionalSCIMToken(t *testing.T) {
	b, err := os.ReadFile("secret.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s*#?\s*BATON_MIRO_SCIM_ACCESS_TOKEN:`).Match(b) {
		t.Error("secret.yaml should show the optional BATON_MIRO_SCIM_ACCESS_TOKEN key (commented out is fine)")
	}
}

// TestMutationsAreCaught feeds broken variants of the manifests and expects each
// to fail, either at strict decoding or at the policy check, so the checks above
// cannot silently stop checking.
func TestMutationsAreCaught(t *testing.T) {
	files := readManifests(t)
	cases := []struct {
		name, file, old, new string
		wantErr              string // substring of the decode or policy error
	}{
		// Strict decoding.
		{"misspelled field", "deployment.yaml", "allowPrivilegeEscalation: false", "allowPrivilegeEscalaton: false", `unknown field "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalaton"`},
		{"misspelled envFrom", "deployment.yaml", "envFrom:", "envFrm:", `unknown field "spec.template.spec.containers[0].envFrm"`},
		{"wrong type", "deployment.yaml", "replicas: 1", `replicas: "one"`, "replicas"},
		{"wrong type bool", "deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: yes-please", "readOnlyRootFilesystem"},
		{"duplicate key", "deployment.yaml", "  replicas: 1\n", "  replicas: 1\n  replicas: 2\n", `key "replicas" already set in map`},
		{"unknown kind", "deployment.yaml", "kind: Deployment", "kind: Deploymnet", "Deploymnet"},
		{"wrong kind for the fields", "secret.yaml", "kind: Secret", "kind: ConfigMap", `unknown field "stringData"`},
		{"unexpected kind", "secret.yaml", "apiVersion: v1\nkind: Secret", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n---\napiVersion: v1\nkind: Secret", "unexpected kind /v1, Kind=Namespace"},
		{"secret unknown field", "secret.yaml", "stringData:", "stringDta:", `unknown field "stringDta"`},
		// Policy.
		{"selector mismatch", "deployment.yaml", "  selector:\n    matchLabels:\n      app: baton-miro", "  selector:\n    matchLabels:\n      app: baton-mir0", "does not match the pod template labels"},
		{"template label missing", "deployment.yaml", "      labels:\n        app: baton-miro\n        baton: \"true\"", "      labels:\n        app: baton-miro\n        baton: \"false\"", `pod template label baton="false"`},
		{"readiness on /health", "deployment.yaml", "path: /ready", "path: /health", `readinessProbe path "/health"`},
		{"liveness on /health", "deployment.yaml", "          livenessProbe:\n            httpGet:\n              path: /live", "          livenessProbe:\n            httpGet:\n              path: /health", `livenessProbe path "/health"`},
		{"short startup budget", "deployment.yaml", "failureThreshold: 36", "failureThreshold: 6", "startupProbe allows 60s"},
		{"root user", "deployment.yaml", "            runAsUser: 65532", "            runAsUser: 0", "runAsUser must be 65532"},
		{"runAsNonRoot off", "deployment.yaml", "            runAsNonRoot: true\n            runAsUser", "            runAsNonRoot: false\n            runAsUser", "runAsNonRoot must be true"},
		{"writable root", "deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem must be true"},
		{"privilege escalation", "deployment.yaml", "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "allowPrivilegeEscalation must be false"},
		{"capabilities kept", "deployment.yaml", "- ALL", "- NET_RAW", "capabilities.drop must contain ALL"},
		{"seccomp unconfined", "deployment.yaml", "      securityContext:\n        runAsNonRoot: true\n        runAsUser: 65532\n        runAsGroup: 65532\n        fsGroup: 65532\n        seccompProfile:\n          type: RuntimeDefault", "      securityContext:\n        runAsNonRoot: true\n        runAsUser: 65532\n        runAsGroup: 65532\n        fsGroup: 65532\n        seccompProfile:\n          type: Unconfined", "pod securityContext.seccompProfile.type must be RuntimeDefault"},
		{"no memory limit", "deployment.yaml", "              memory: 1Gi\n", "", "memory needs both a request and a limit"},
		{"no emptyDir sizeLimit", "deployment.yaml", "          emptyDir:\n            sizeLimit: 2Gi", "          emptyDir: {}", "needs a sizeLimit"},
		{"health on loopback", "deployment.yaml", "value: 0.0.0.0", "value: 127.0.0.1", "BATON_HEALTH_CHECK_BIND_ADDRESS"},
		{"health check off", "deployment.yaml", "            - name: BATON_HEALTH_CHECK\n              value: \"true\"", "            - name: BATON_HEALTH_CHECK\n              value: \"false\"", `env BATON_HEALTH_CHECK="false"`},
		{"host id from pod name", "deployment.yaml", "            - name: BATON_HOST_ID\n              value: baton-miro", "            - name: BATON_HOST_ID\n              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.name", "BATON_HOST_ID must be a fixed"},
		{"secret not referenced", "deployment.yaml", "            - secretRef:\n                name: baton-miro", "            - secretRef:\n                name: other", `envFrom must reference secret "baton-miro"`},
		{"real-looking token", "secret.yaml", `"<miro-oauth-access-token>"`, `"eyJtaXJvIjoidG9rZW4ifQ"`, "must be a <placeholder>"},
		{"wrong image", "deployment.yaml", "image: ghcr.io/conductorone/baton-miro:latest", "image: docker.io/someone/baton-miro:latest", "is not ghcr.io/conductorone/baton-miro"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orig := files[tc.file]
			if !bytes.Contains(orig, []byte(tc.old)) {
				t.Fatalf("%s no longer contains %q: update this case", tc.file, tc.old)
			}
			mutated := maps.Clone(files)
			mutated[tc.file] = bytes.Replace(orig, []byte(tc.old), []byte(tc.new), 1)

			m, err := decodeAll(mutated)
			if err == nil {
				errs := policy(m)
				if len(errs) == 0 {
					t.Fatalf("mutation accepted; want an error containing %q", tc.wantErr)
				}
				var msgs []string
				for _, e := range errs {
					msgs = append(msgs, e.Error())
				}
				err = fmt.Errorf("%s", strings.Join(msgs, "; "))
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got error %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}
