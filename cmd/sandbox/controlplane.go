package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	kcapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// kubeconfigName names the cluster, user and context of the written kubeconfig.
const kubeconfigName = "servicedesk-sandbox"

// errPortInUse means the API server's port is taken.
var errPortInUse = errors.New("port in use")

// controlPlane is envtest's etcd and kube-apiserver with etcd's data kept
// under the state directory (envtest deletes only directories it created).
type controlPlane struct {
	env  *envtest.Environment
	cfg  *rest.Config
	port int
}

// planeOptions configure startControlPlane.
type planeOptions struct {
	assets  string // the real binaries (kubectl is taken from here)
	binDir  string // where etcd and kube-apiserver are started from (the wrapper, or assets)
	dataDir string // etcd's data
	logDir  string // etcd.log and apiserver.log
	crdDir  string
	port    int // 0: any free port
}

func startControlPlane(o planeOptions) (*controlPlane, error) {
	etcdLog, err := os.Create(filepath.Join(o.logDir, "etcd.log"))
	if err != nil {
		return nil, err
	}
	apiLog, err := os.Create(filepath.Join(o.logDir, "apiserver.log"))
	if err != nil {
		return nil, err
	}
	api := &envtest.APIServer{Path: filepath.Join(o.binDir, "kube-apiserver"), Out: apiLog, Err: apiLog}
	if o.port != 0 {
		api.SecureServing.ListenAddr = listenAddr(o.port)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: o.assets,
		CRDDirectoryPaths:     []string{o.crdDir},
		ErrorIfCRDPathMissing: true,
		ControlPlane: envtest.ControlPlane{
			APIServer: api,
			Etcd:      &envtest.Etcd{Path: filepath.Join(o.binDir, "etcd"), DataDir: o.dataDir, Out: etcdLog, Err: etcdLog},
		},
		ControlPlaneStartTimeout: 60 * time.Second,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	cfg, err := env.Start()
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("%w (see %s and %s)", err, etcdLog.Name(), apiLog.Name())
	}
	port, _ := strconv.Atoi(api.SecureServing.Port)
	return &controlPlane{env: env, cfg: cfg, port: port}, nil
}

func listenAddr(port int) envtest.ListenAddr {
	return envtest.ListenAddr{Address: "127.0.0.1", Port: strconv.Itoa(port)}
}

func (cp *controlPlane) stop() error {
	return cp.env.Stop()
}

// kubectl is the path of the kubectl binary next to the control plane's.
func (cp *controlPlane) kubectl() string {
	return filepath.Join(cp.env.BinaryAssetsDirectory, "kubectl")
}

// writeKubeconfig writes an admin kubeconfig for cfg to path.
func writeKubeconfig(cfg *rest.Config, path string) error {
	kc := kcapi.NewConfig()
	kc.Clusters[kubeconfigName] = &kcapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[kubeconfigName] = &kcapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts[kubeconfigName] = &kcapi.Context{Cluster: kubeconfigName, AuthInfo: kubeconfigName}
	kc.CurrentContext = kubeconfigName
	return clientcmd.WriteToFile(*kc, path)
}

// previousPort is the API server port of the kubeconfig an earlier run
// wrote (0 if none), so that clients keep working across restarts.
func previousPort(path string) int {
	kc, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return 0
	}
	c := kc.Clusters[kubeconfigName]
	if c == nil {
		return 0
	}
	u, err := url.Parse(c.Server)
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(u.Port())
	return p
}

// portFree reports whether 127.0.0.1:port can be listened on now.
func portFree(port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("%w (%v)", errPortInUse, err)
	}
	return ln.Close()
}

// choosePort picks the API server's port: the one asked for (an error if
// taken), else the previous run's if still free, else 0 (any free port).
func choosePort(asked, previous int) (int, error) {
	if asked != 0 {
		return asked, portFree(asked)
	}
	if previous != 0 && portFree(previous) == nil {
		return previous, nil
	}
	return 0, nil
}
