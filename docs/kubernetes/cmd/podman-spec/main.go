// Command podman-spec reads deployment.yaml (strictly, into the k8s.io/api types)
// and prints, as JSON, how to run its container with podman the way the kubelet
// would: user, read-only root, dropped capabilities, no new privileges, the
// literal env, resource limits, the /tmp volume's size, the probes and the
// termination grace period. scripts/ci/k8s-smoke.sh feeds it to
// internal/tools/servicecheck, so the smoke test runs what the manifest says,
// not a copy of it.
//
//	cd docs/kubernetes && go run ./cmd/podman-spec deployment.yaml secret.yaml
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// Spec is what servicecheck needs.
type Spec struct {
	Args                []string `json:"args"`         // podman run flags
	SecretKeys          []string `json:"secretKeys"`   // env names the secret (envFrom) supplies
	Port                int32    `json:"port"`         // the probes' port
	StartupPath         string   `json:"startupPath"`  // httpGet path of each probe
	LivenessPath        string   `json:"livenessPath"` //
	ReadinessPath       string   `json:"readinessPath"`
	ProbeTimeoutSeconds int32    `json:"probeTimeoutSeconds"`
	StartupBudgetSecs   int32    `json:"startupBudgetSeconds"` // periodSeconds × failureThreshold of the startup probe
	GraceSeconds        int64    `json:"graceSeconds"`
	TmpMount            string   `json:"tmpMount"`
	TmpSizeBytes        int64    `json:"tmpSizeBytes"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: podman-spec deployment.yaml secret.yaml")
		os.Exit(2)
	}
	spec, err := build(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "podman-spec:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(spec)
}

func build(deploymentPath, secretPath string) (*Spec, error) {
	var d appsv1.Deployment
	if err := decode(deploymentPath, &d); err != nil {
		return nil, err
	}
	var sec corev1.Secret
	if err := decode(secretPath, &sec); err != nil {
		return nil, err
	}
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		return nil, fmt.Errorf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	s := &Spec{}
	sc := c.SecurityContext
	if sc == nil || sc.RunAsUser == nil {
		return nil, fmt.Errorf("the container sets no runAsUser")
	}
	group := *sc.RunAsUser
	if sc.RunAsGroup != nil {
		group = *sc.RunAsGroup
	}
	s.Args = append(s.Args, "--user", fmt.Sprintf("%d:%d", *sc.RunAsUser, group))
	if sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
		s.Args = append(s.Args, "--read-only")
	}
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		s.Args = append(s.Args, "--security-opt", "no-new-privileges")
	}
	if sc.Capabilities != nil {
		for _, cp := range sc.Capabilities.Drop {
			s.Args = append(s.Args, "--cap-drop", string(cp))
		}
	}
	// seccompProfile RuntimeDefault is podman's default profile: nothing to add.
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			return nil, fmt.Errorf("env %s uses valueFrom; podman-spec handles literal values only", e.Name)
		}
		s.Args = append(s.Args, "--env", e.Name+"="+e.Value)
	}
	for _, ef := range c.EnvFrom {
		if ef.SecretRef == nil || ef.SecretRef.Name != sec.Name {
			return nil, fmt.Errorf("envFrom %+v is not the secret %s", ef, sec.Name)
		}
		for k := range sec.StringData {
			s.SecretKeys = append(s.SecretKeys, k)
		}
		// Optional keys commented out in secret.yaml are secret keys too.
		raw, _ := os.ReadFile(secretPath)
		for _, m := range regexp.MustCompile(`(?m)^\s*#\s*(BATON_[A-Z_]+):`).FindAllSubmatch(raw, -1) {
			s.SecretKeys = append(s.SecretKeys, string(m[1]))
		}
	}
	if mem, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		s.Args = append(s.Args, "--memory", fmt.Sprint(mem.Value()))
	}
	if cpu, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		s.Args = append(s.Args, "--cpus", fmt.Sprintf("%.3f", float64(cpu.MilliValue())/1000))
	}
	for _, vm := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == vm.Name && v.EmptyDir != nil {
				if s.TmpMount != "" {
					return nil, fmt.Errorf("more than one emptyDir mount")
				}
				s.TmpMount = vm.MountPath
				if v.EmptyDir.SizeLimit != nil {
					s.TmpSizeBytes = v.EmptyDir.SizeLimit.Value()
				}
			}
		}
	}
	if s.TmpMount == "" || s.TmpSizeBytes == 0 {
		return nil, fmt.Errorf("no size-limited emptyDir mount")
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	probe := func(name string, p *corev1.Probe) (string, error) {
		if p == nil || p.HTTPGet == nil {
			return "", fmt.Errorf("%s probe is not httpGet", name)
		}
		port := p.HTTPGet.Port.IntVal
		if p.HTTPGet.Port.StrVal != "" {
			port = ports[p.HTTPGet.Port.StrVal]
		}
		if port == 0 || (s.Port != 0 && port != s.Port) {
			return "", fmt.Errorf("%s probe port %v", name, p.HTTPGet.Port)
		}
		s.Port = port
		if p.TimeoutSeconds > s.ProbeTimeoutSeconds {
			s.ProbeTimeoutSeconds = p.TimeoutSeconds
		}
		return p.HTTPGet.Path, nil
	}
	var err error
	if s.StartupPath, err = probe("startup", c.StartupProbe); err != nil {
		return nil, err
	}
	s.StartupBudgetSecs = c.StartupProbe.PeriodSeconds * c.StartupProbe.FailureThreshold
	if s.LivenessPath, err = probe("liveness", c.LivenessProbe); err != nil {
		return nil, err
	}
	if s.ReadinessPath, err = probe("readiness", c.ReadinessProbe); err != nil {
		return nil, err
	}
	s.GraceSeconds = 30 // Kubernetes' default
	if pod.TerminationGracePeriodSeconds != nil {
		s.GraceSeconds = *pod.TerminationGracePeriodSeconds
	}
	return s, nil
}

func decode(path string, into any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if strings.Contains(string(raw), "\n---") {
		return fmt.Errorf("%s: one document per file expected", path)
	}
	if err := yaml.UnmarshalStrict(raw, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
