package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	supportv1 "github.com/servicedesk-operator/servicedesk-operator/api/v1alpha1"
	"github.com/servicedesk-operator/servicedesk-operator/cmd/kubectl-desk/internal/desk"
)

type boardOptions struct {
	output        string
	watch         bool
	allNamespaces bool
	mine          bool
	filter        desk.BoardFilter
}

func newBoardCmd(o *Options) *cobra.Command {
	b := &boardOptions{}
	cmd := &cobra.Command{
		Use:   "board [-w] [--mine | --unowned] [--tier TIER] [--policy NAME]",
		Short: "Open complaints, the soonest due first, with time left, at-risk and breached marked",
		Example: `  kubectl desk board
  kubectl desk board -w --mine
  kubectl desk board --unowned --tier Key
  kubectl desk board -A --tier Key -o wide`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(b.output, "", "wide", "json", "yaml"); err != nil {
				return err
			}
			if b.filter.Tier != "" {
				t, err := desk.Enum("tier", b.filter.Tier, desk.Tiers)
				if err != nil {
					return err
				}
				b.filter.Tier = t
			}
			if b.mine && b.filter.Unowned {
				return fmt.Errorf("--mine and --unowned exclude each other: --mine shows the complaints you own, --unowned those nobody owns yet")
			}
			if b.mine {
				me, err := o.Actor(cmd.Context())
				if err != nil {
					return err
				}
				b.filter.Owner = me
			}
			if b.watch {
				return o.watchBoard(cmd.Context(), b)
			}
			items, _, err := o.listComplaints(cmd.Context(), b.allNamespaces)
			if err != nil {
				return err
			}
			return o.writeBoard(o.Out, b, items, time.Now(), colourful(o.Out))
		},
	}
	f := cmd.Flags()
	f.StringVarP(&b.output, "output", "o", "", "output format: wide, json or yaml")
	f.BoolVarP(&b.watch, "watch", "w", false, "after listing, follow changes")
	f.BoolVarP(&b.allNamespaces, "all-namespaces", "A", false, "the complaints of every namespace")
	f.BoolVar(&b.mine, "mine", false, "only the complaints you own (spec.owner is you, or --by)")
	f.BoolVar(&b.filter.Unowned, "unowned", false, "only the complaints nobody owns yet (no spec.owner: take or assign them)")
	f.StringVar(&b.filter.Tier, "tier", "", "only customers of this tier: "+joinComma(desk.Tiers))
	f.StringVar(&b.filter.Policy, "policy", "", "only the complaints this ServicePolicy governs")
	_ = cmd.RegisterFlagCompletionFunc("tier", fixedCompletion(desk.Tiers))
	_ = cmd.RegisterFlagCompletionFunc("policy", o.completePolicies)
	return cmd
}

// listComplaints lists the complaints of the namespace (or all) and
// returns the list's resourceVersion to watch from.
func (o *Options) listComplaints(ctx context.Context, all bool) ([]supportv1.Complaint, string, error) {
	cl, err := o.Client()
	if err != nil {
		return nil, "", err
	}
	var opts []client.ListOption
	if !all {
		ns, err := o.Namespace()
		if err != nil {
			return nil, "", err
		}
		opts = append(opts, client.InNamespace(ns))
	}
	var list supportv1.ComplaintList
	if err := cl.List(ctx, &list, opts...); err != nil {
		return nil, "", err
	}
	return list.Items, list.ResourceVersion, nil
}

func (o *Options) writeBoard(w io.Writer, b *boardOptions, items []supportv1.Complaint, now time.Time, colour bool) error {
	rows := desk.Board(items, b.filter, now)
	switch b.output {
	case "json", "yaml":
		if rows == nil {
			rows = []desk.BoardRow{}
		}
		return writeStructured(w, b.output, map[string]any{"items": rows})
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "No open complaints.")
		return err
	}
	return desk.BoardTable(rows, b.output == "wide", b.allNamespaces).Write(w, colour)
}

// watchBoard prints the board, then again on each change (a burst of
// changes prints once). On a terminal it redraws in place, also every few
// seconds so that the time left counts down; piped, each board follows the
// last after a blank line.
func (o *Options) watchBoard(ctx context.Context, b *boardOptions) error {
	cl, err := o.Client()
	if err != nil {
		return err
	}
	bw := &boardWatch{o: o, b: b, term: colourful(o.Out), byKey: map[client.ObjectKey]supportv1.Complaint{}}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var refresh <-chan time.Time
	if bw.term {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		refresh = t.C
	}
	first := true
	for {
		items, rv, err := o.listComplaints(ctx, b.allNamespaces)
		if err != nil {
			return err
		}
		clear(bw.byKey)
		for _, c := range items {
			bw.byKey[client.ObjectKeyFromObject(&c)] = c
		}
		if err := bw.render(first); err != nil {
			return err
		}
		first = false
		var opts []client.ListOption
		if !b.allNamespaces {
			ns, _ := o.Namespace()
			opts = append(opts, client.InNamespace(ns))
		}
		opts = append(opts, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv}})
		w, err := cl.Watch(ctx, &supportv1.ComplaintList{}, opts...)
		if err != nil {
			return err
		}
		if done, err := bw.follow(ctx, w, tick.C, refresh); done || err != nil {
			return err
		}
	}
}

// boardWatch is the state of a watched board: the complaints as last seen.
type boardWatch struct {
	o     *Options
	b     *boardOptions
	term  bool // redrawn in place
	byKey map[client.ObjectKey]supportv1.Complaint
}

// render prints the board of the complaints as last seen.
func (bw *boardWatch) render(first bool) error {
	items := make([]supportv1.Complaint, 0, len(bw.byKey))
	for _, c := range bw.byKey {
		items = append(items, c)
	}
	if bw.term {
		fmt.Fprint(bw.o.Out, "\x1b[H\x1b[2J")
	} else if !first {
		fmt.Fprintln(bw.o.Out)
	}
	return bw.o.writeBoard(bw.o.Out, bw.b, items, time.Now(), bw.term)
}

// follow applies the events of w, printing the board on a tick after
// changes and on each refresh, until the watch ends (false: list again)
// or ctx does (true).
func (bw *boardWatch) follow(ctx context.Context, w watch.Interface, tick, refresh <-chan time.Time) (bool, error) {
	dirty := false
	for {
		select {
		case <-ctx.Done():
			w.Stop()
			return true, nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false, nil // expired or closed by the server: list again
			}
			c, isComplaint := ev.Object.(*supportv1.Complaint)
			if !isComplaint {
				if ev.Type == watch.Error {
					w.Stop()
					return false, nil
				}
				continue
			}
			if ev.Type == watch.Deleted {
				delete(bw.byKey, client.ObjectKeyFromObject(c))
			} else {
				bw.byKey[client.ObjectKeyFromObject(c)] = *c
			}
			dirty = true
		case <-tick:
			if dirty {
				dirty = false
				if err := bw.render(false); err != nil {
					return false, err
				}
			}
		case <-refresh:
			if err := bw.render(false); err != nil {
				return false, err
			}
		}
	}
}
