package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/servicedesk-operator/servicedesk-operator/internal/version"
)

func newVersionCmd(o *Options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubectl desk",
		Example: `  kubectl desk version
  kubectl desk version -o json`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if err := checkOutput(output, "", "json", "yaml"); err != nil {
				return err
			}
			if output != "" {
				return writeStructured(o.Out, output, version.Get())
			}
			_, err := fmt.Fprintln(o.Out, "kubectl-desk", version.Get())
			return err
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or yaml")
	return cmd
}
