// Package cli holds the cobra commands of kubectl desk. They gather objects
// from the API server, call the pure package desk to decide and lay out, and
// write merge patches with the field manager kubectl-desk.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/servicedesk-operator/servicedesk-operator/cmd/kubectl-desk/internal/desk"
)

// Execute runs kubectl desk with the process's arguments and streams, and
// returns the exit code: 0 on success, 1 on any error.
func Execute() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := NewRootCmd(genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr})
	// kubectl (1.26+) completes a plugin's arguments by running
	// kubectl_complete-<plugin>: a link of that name to this binary.
	if strings.HasPrefix(filepath.Base(os.Args[0]), "kubectl_complete-desk") {
		cmd.SetArgs(append([]string{cobra.ShellCompRequestCmd}, os.Args[1:]...))
	}
	if err := cmd.ExecuteContext(ctx); err != nil {
		writeError(os.Stderr, err)
		return 1
	}
	return 0
}

// writeError prints err for a person. Errors echo what objects hold (a
// name, who approved, what the API server or a webhook answered), so it is
// escaped for the terminal.
func writeError(w io.Writer, err error) {
	fmt.Fprintln(w, "error:", desk.EscapeLines(err.Error()))
}

// NewRootCmd builds the kubectl desk command tree, writing to streams.
func NewRootCmd(streams genericiooptions.IOStreams) *cobra.Command {
	return newRootCmd(&Options{ConfigFlags: genericclioptions.NewConfigFlags(true), IOStreams: streams})
}

func newRootCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kubectl-desk",
		Short: "Work customer complaints of servicedesk-operator",
		Long: `kubectl desk works the Complaints, ServicePolicies, Escalations and
Remedies of servicedesk-operator without YAML: record, own (take, assign),
acknowledge, update, resolve, approve and follow up complaints, ask a lead
for a decision, report the remedies a department carried out (done,
failed), and see the board, the remedies, a complaint's timeline and a
report.

Each work command writes a JSON merge patch of its own spec fields only
(field manager kubectl-desk), so fields that GitOps or others own are never
overwritten. The acting person is who the API server says you are
(kubectl auth whoami). approve, ack, decide, take, done and failed always
record you; new, update, resolve and escalate take --by NAME to record
someone else (a shared kiosk account, a script acting for someone); assign
records only the new owner.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations: map[string]string{
			cobra.CommandDisplayNameAnnotation: "kubectl desk",
		},
	}
	o.ConfigFlags.AddFlags(cmd.PersistentFlags())
	cmd.PersistentFlags().StringVar(&o.By, "by", "", "who acts, for new, update, resolve and escalate (default: your user name, as kubectl auth whoami says); approve, ack, decide, take, done and failed always record you; assign records only the new owner")

	cmd.AddGroup(&cobra.Group{ID: "work", Title: "Work a complaint:"}, &cobra.Group{ID: "remedy", Title: "Carry out remedies (departments):"},
		&cobra.Group{ID: "see", Title: "See the desk:"})
	for _, c := range []*cobra.Command{
		newNewCmd(o), newTakeCmd(o), newAssignCmd(o), newAckCmd(o), newWaitOnCmd(o), newUpdateCmd(o), newResolveCmd(o), newApproveCmd(o),
		newAgreeCmd(o), newFeedbackCmd(o), newEscalateCmd(o), newDecideCmd(o),
	} {
		c.GroupID = "work"
		cmd.AddCommand(c)
	}
	for _, c := range []*cobra.Command{newRemediesCmd(o), newDoneCmd(o), newFailedCmd(o)} {
		c.GroupID = "remedy"
		cmd.AddCommand(c)
	}
	for _, c := range []*cobra.Command{newBoardCmd(o), newTimelineCmd(o), newReportCmd(o)} {
		c.GroupID = "see"
		cmd.AddCommand(c)
	}
	cmd.AddCommand(newVersionCmd(o))
	return cmd
}
