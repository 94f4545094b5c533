package entitlement

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Custom-extension stages (Entra's customExtensionStageSettings): the moments of a request's life
// at which a policy may call a webhook.
const (
	StageRequestCreated  = "assignmentRequestCreated"  // a request was submitted
	StageRequestApproved = "assignmentRequestApproved" // the last approval stage approved it
	StageRequestGranted  = "assignmentRequestGranted"  // the assignment was delivered
	StageRequestRemoved  = "assignmentRequestRemoved"  // the assignment was removed or expired
)

// CustomExtensionStages lists the stages in the order of a request's life.
var CustomExtensionStages = []string{StageRequestCreated, StageRequestApproved, StageRequestGranted, StageRequestRemoved}

// OutboxHook is the outbox kind of a policy's custom-extension call. Unlike provisioning, it is
// fire-and-notify: a hook that fails after its retries is recorded on the message and logged,
// and the request goes on as if it had been answered.
const OutboxHook = "customExtension"

// CustomExtensionStageSetting names the webhook a policy calls at one stage. The signing key is
// sealed with the service's SecretBox and never leaves the Service except to the worker's call.
type CustomExtensionStageSetting struct {
	Stage       string `json:"stage"`
	EndpointURL string `json:"endpointUrl"`
	SealedKey   string `json:"sealedKey,omitempty"`
}

// CustomExtensionInput is what the policy page saves for one stage: an empty URL removes the
// stage's hook, an empty key keeps the key saved before.
type CustomExtensionInput struct {
	Stage       string
	EndpointURL string
	Key         string
}

// HookCall is the payload of an OutboxHook message and the JSON body a stage's webhook receives.
// The domain fills it in when the event happens, so the call says what was true then.
type HookCall struct {
	ID              string    `json:"id"` // the outbox message id: the same on every retry
	Stage           string    `json:"stage"`
	RequestID       string    `json:"requestId,omitempty"`
	AssignmentID    string    `json:"assignmentId,omitempty"`
	AccessPackageID string    `json:"accessPackageId"`
	PackageName     string    `json:"accessPackageName"`
	PolicyID        string    `json:"assignmentPolicyId"`
	PolicyName      string    `json:"assignmentPolicyName"`
	TargetID        string    `json:"targetId"`
	TargetEmail     string    `json:"targetEmail,omitempty"`
	Time            time.Time `json:"time"`
}

// HookEndpoint is where a HookCall goes, with the key unsealed.
type HookEndpoint struct {
	URL string
	Key string
}

// HookCaller sends custom-extension calls; provision.Dispatcher is one. Like a Provisioner it
// runs outside transactions, within the worker's call timeout, and may be called again for the
// same call after a crash (the id stays the same).
type HookCaller interface {
	CallHook(ctx context.Context, ep HookEndpoint, call HookCall) error
}

// CustomExtension returns the policy's hook for a stage, if it has one.
func (p AssignmentPolicy) CustomExtension(stage string) (CustomExtensionStageSetting, bool) {
	for _, c := range p.CustomExtensionStageSettings {
		if c.Stage == stage {
			return c, true
		}
	}
	return CustomExtensionStageSetting{}, false
}

// CheckHookURL says what is wrong with a webhook address, or nil: it must be absolute and use
// https, except to a loopback host, where plain http is allowed for receivers on the same machine.
func CheckHookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("enter a full address such as https://hooks.example.com/steward")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("use https: plain http is only allowed to this machine (localhost)")
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SetPolicyCustomExtensions saves a policy's stage hooks: one input per stage to change, the
// stages not named stay as they are. Only those who may change the policy may.
func (s *Service) SetPolicyCustomExtensions(ctx context.Context, policyID string, in []CustomExtensionInput) (AssignmentPolicy, error) {
	var out AssignmentPolicy
	err := s.write(ctx, func(tx Tx, a *access) error {
		p, err := getPolicy(tx, policyID)
		if err != nil {
			return err
		}
		pkg, err := getPackage(tx, p.AccessPackageID)
		if err != nil {
			return err
		}
		if !a.canManagePackages(pkg.CatalogID) {
			return forbidden("only owners and access package managers of its catalog can change the policies of %q", pkg.DisplayName)
		}
		settings := slices.Clone(p.CustomExtensionStageSettings)
		var changed []string
		for _, c := range in {
			field := "customExtension." + c.Stage
			if !slices.Contains(CustomExtensionStages, c.Stage) {
				return invalid("invalidCustomExtension", "stage", "unknown stage %q; use one of %s", c.Stage, strings.Join(CustomExtensionStages, ", "))
			}
			i := slices.IndexFunc(settings, func(x CustomExtensionStageSetting) bool { return x.Stage == c.Stage })
			url := strings.TrimSpace(c.EndpointURL)
			if url == "" {
				if i >= 0 {
					settings = slices.Delete(settings, i, i+1)
					changed = append(changed, c.Stage+" off")
				}
				continue
			}
			if err := CheckHookURL(url); err != nil {
				return invalid("invalidCustomExtension", field+".url", "%s", err.Error())
			}
			cur := CustomExtensionStageSetting{Stage: c.Stage}
			if i >= 0 {
				cur = settings[i]
			}
			if c.Key != "" {
				if len(c.Key) < 16 {
					return invalid("invalidCustomExtension", field+".key", "the signing key must be at least 16 characters")
				}
				if s.secrets == nil {
					return invalid("invalidCustomExtension", field+".key", "no secret key is configured (STEWARD_SECRET_KEY), so signing keys cannot be saved")
				}
				if cur.SealedKey, err = s.secrets.Seal(c.Key); err != nil {
					return fmt.Errorf("seal hook key: %w", err)
				}
			}
			if cur.SealedKey == "" {
				return invalid("invalidCustomExtension", field+".key", "enter a signing key: the receiver checks each call with it")
			}
			if cur.EndpointURL == url && c.Key == "" {
				continue
			}
			cur.EndpointURL = url
			if i >= 0 {
				settings[i] = cur
			} else {
				settings = append(settings, cur)
			}
			changed = append(changed, c.Stage+" → "+url)
		}
		out = p
		if len(changed) == 0 {
			return nil
		}
		// Keep the stages in the order of a request's life, whatever order they were set in.
		slices.SortFunc(settings, func(x, y CustomExtensionStageSetting) int {
			return slices.Index(CustomExtensionStages, x.Stage) - slices.Index(CustomExtensionStages, y.Stage)
		})
		p.CustomExtensionStageSettings = settings
		p.ModifiedBy, p.ModifiedDateTime = actorLabel(a.p), s.now()
		p.Version = nextVersion(p.Version)
		if err := tx.Policies().Put(p); err != nil {
			return fmt.Errorf("set hooks of policy %s: %w", p.DisplayName, err)
		}
		out = p
		return s.audit(tx, a.p, "policy.customExtensions", "policy", p.ID, p.DisplayName, "webhooks: "+strings.Join(changed, "; "))
	})
	return out, err
}

// hook writes the policy's call for a stage to the outbox in the caller's transaction, when the
// policy has a hook there; nothing otherwise.
func (s *Service) hook(tx Tx, stage, policyID, requestID, assignmentID, packageID, targetID string) error {
	if policyID == "" {
		return nil
	}
	pol, err := tx.Policies().Get(policyID)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("hook %s: %w", stage, err)
	}
	if _, ok := pol.CustomExtension(stage); !ok {
		return nil
	}
	call := HookCall{
		Stage: stage, RequestID: requestID, AssignmentID: assignmentID, AccessPackageID: packageID,
		PackageName: packageName(tx, packageID), PolicyID: pol.ID, PolicyName: pol.DisplayName,
		TargetID: targetID, Time: s.now(),
	}
	if u, err := tx.Users().Get(targetID); err == nil {
		call.TargetEmail = u.Email
	} else if !isNotFound(err) {
		return fmt.Errorf("hook %s: %w", stage, err)
	}
	return s.enqueue(tx, OutboxHook, stage, call)
}

// hookEndpoint finds where a claimed hook call goes now: the policy's current hook for the stage,
// with its key unsealed. ok is false when the hook was removed since the event.
func (s *Service) hookEndpoint(tx Tx, call HookCall) (HookEndpoint, bool, error) {
	pol, err := tx.Policies().Get(call.PolicyID)
	if isNotFound(err) {
		return HookEndpoint{}, false, nil
	} else if err != nil {
		return HookEndpoint{}, false, err
	}
	c, ok := pol.CustomExtension(call.Stage)
	if !ok {
		return HookEndpoint{}, false, nil
	}
	if s.secrets == nil {
		return HookEndpoint{}, false, fmt.Errorf("no secret key is configured to open the hook's signing key")
	}
	key, err := s.secrets.Open(c.SealedKey)
	if err != nil {
		return HookEndpoint{}, false, fmt.Errorf("open the hook's signing key: %w", err)
	}
	return HookEndpoint{URL: c.EndpointURL, Key: key}, true, nil
}

// noHooks is the HookCaller of a worker given none: every call fails and says why.
type noHooks struct{}

func (noHooks) CallHook(context.Context, HookEndpoint, HookCall) error {
	return fmt.Errorf("no webhook sender is configured for custom extensions")
}

// FailingHookCall is a policy's hook call whose last attempt failed: waiting for its next
// attempt, or given up after the last.
type FailingHookCall struct {
	Call      HookCall
	Attempts  int
	LastError string
	GaveUp    bool
	// At is when it was given up on, or when it is tried next.
	At time.Time
}

// failingHookScan bounds how many failing hook calls of all policies one page load reads.
const failingHookScan = 500

// FailingPolicyHooks lists the policy's hook calls whose last attempt failed, oldest first, up
// to limit; for those who may change the policy.
func (s *Service) FailingPolicyHooks(ctx context.Context, policyID string, limit int) ([]FailingHookCall, error) {
	var out []FailingHookCall
	err := s.read(ctx, func(tx Tx, a *access) error {
		p, err := getPolicy(tx, policyID)
		if err != nil {
			return err
		}
		pkg, err := getPackage(tx, p.AccessPackageID)
		if err != nil {
			return err
		}
		if !a.canManagePackages(pkg.CatalogID) {
			return forbidden("only owners and access package managers of its catalog can see the webhooks of %q", p.DisplayName)
		}
		opt := ListOptions{Limit: MaxPageSize}
		for seen := 0; seen < failingHookScan && len(out) < limit; {
			page, err := tx.Outbox().Failing(OutboxHook, opt)
			if err != nil {
				return fmt.Errorf("list failing hooks: %w", err)
			}
			for _, m := range page.Items {
				var c HookCall
				if json.Unmarshal(m.Payload, &c) != nil || c.PolicyID != policyID || len(out) >= limit {
					continue
				}
				c.ID = m.ID
				f := FailingHookCall{Call: c, Attempts: m.Attempts, LastError: m.LastError, GaveUp: m.FailedAt != nil, At: m.NextAttempt}
				if m.FailedAt != nil {
					f.At = *m.FailedAt
				}
				out = append(out, f)
			}
			seen += len(page.Items)
			if page.Next == "" {
				break
			}
			opt.After = page.Next
		}
		return nil
	})
	return out, err
}
