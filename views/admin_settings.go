package views

import "github.com/stewardhq/steward/entitlement"

// SettingsProps configures SettingsPage.
type SettingsProps struct {
	Page    Page
	Action  string // externalUserLifecycleAction
	Days    string // daysUntilExternalUserDeletedAfterBlocked, as typed
	Version int64  // of the settings the form shows
	// Stale, when set, says that the save was refused because the settings changed meanwhile.
	Stale    *Stale
	Errors   map[string]string
	Creators []SponsorRow
	Picker   PickerProps
	Error    string // about adding a catalog creator
}

var lifecycleActionOptions = []RadioOption{
	{entitlement.LifecycleBlockSignInAndDelete, "Block sign-in, then delete them", "They cannot sign in at once, and are removed from the directory after the days below."},
	{entitlement.LifecycleBlockSignIn, "Block sign-in", "They stay in the directory but cannot sign in until an administrator unblocks them."},
	{entitlement.LifecycleNone, "Do nothing", "They keep their account and can sign in and request again."},
}

// LifecycleActionLabel names an external-user lifecycle action as the settings form offers it.
func LifecycleActionLabel(action string) string {
	for _, o := range lifecycleActionOptions {
		if o.Value == action {
			return o.Label
		}
	}
	return action
}
