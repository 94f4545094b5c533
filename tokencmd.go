package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/store"
)

// token runs the token sub-commands; create is the only one. It works on the data file of a
// stopped portal, for scripts and tests that need an API token before anyone opens the portal.
func token(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("token: use token create --user EMAIL [--data FILE] [--name NAME] [--expires 90d]")
	}
	fs := flag.NewFlagSet("steward token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("STEWARD_DATA", "./data/steward.db"), "path of the data file (STEWARD_DATA)")
	email := fs.String("user", "", "e-mail address of the person the token acts as")
	name := fs.String("name", "command line", "name of the token, shown on the person's profile")
	expires := fs.String("expires", strconv.Itoa(entitlement.DefaultAPITokenDays)+"d", fmt.Sprintf("how long the token lasts, in days, at most %dd", entitlement.MaxAPITokenDays))
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token create: unexpected argument %q", fs.Arg(0))
	}
	if strings.TrimSpace(*email) == "" {
		return errors.New("token create: name the person with --user EMAIL")
	}
	days, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(*expires), "d"))
	if err != nil {
		return fmt.Errorf("token create: --expires %q: give a number of days, such as 90d", *expires)
	}
	// A data file that does not exist is a mistake in --data, not a new installation.
	if _, err := os.Stat(*data); err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	st, err := store.Open(*data)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("token create: %w: stop Steward first, or make the token on your profile page in the portal", err)
	}
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	defer func() { _ = st.Close() }()
	svc := entitlement.NewService(entitlement.Options{Store: st})
	var u entitlement.User
	err = st.View(ctx, func(tx entitlement.Tx) error {
		var err error
		u, err = tx.Users().ByEmail(*email)
		return err
	})
	if errors.Is(err, entitlement.ErrNotFound) {
		return fmt.Errorf("token create: nobody with the e-mail address %s is in Steward's directory; sign in once, or add them in the portal", *email)
	} else if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	// Whoever may open the data file speaks for its people: the token is made as the person
	// would make it on their profile, and audited so.
	p, err := svc.PrincipalFor(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("token create: %s cannot have a token: their account is blocked", u.Email)
	}
	tok, rec, err := svc.CreateAPIToken(entitlement.WithPrincipal(ctx, p), entitlement.APITokenInput{Name: *name, Days: days})
	var ve *entitlement.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("token create: %s", strings.TrimPrefix(ve.Error(), "invalid input: "))
	} else if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	fmt.Fprintf(stdout, "API token %q for %s, valid until %s. It is shown only now: keep it secret.\n",
		rec.Name, u.Email, rec.ExpiresDateTime.Format("2 January 2006 15:04 MST"))
	fmt.Fprintln(stdout, tok)
	return nil
}
