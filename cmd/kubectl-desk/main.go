// Command kubectl-desk is the kubectl desk plugin of servicedesk-operator:
// agents and leads work complaints without writing YAML. Put it on PATH
// (make install-plugin) and run kubectl desk --help.
package main

import (
	"os"

	"github.com/servicedesk-operator/servicedesk-operator/cmd/kubectl-desk/internal/cli"
)

func main() {
	os.Exit(cli.Execute())
}
