// Command storefront-provisioner is a tiny dynamic volume provisioner for the kubelet-less test
// control plane. It creates a pre-bound hostPath PersistentVolume (capacity = request) for every
// Pending PersistentVolumeClaim whose StorageClass names this provisioner, and deletes Released
// volumes it provisioned when their reclaim policy is Delete. Nothing mounts the volumes (kwok
// simulates the kubelet); the directories only make the objects look real.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

const provisionedByAnnotation = "pv.kubernetes.io/provisioned-by"

type provisioner struct {
	name   string
	root   string
	client kubernetes.Interface
	pvcs   cache.Indexer
	pvs    cache.Indexer
	scs    cache.Indexer
	queue  workqueue.TypedRateLimitingInterface[string]
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to the kubeconfig")
	name := flag.String("provisioner-name", "storefront.dev/local-path", "provisioner name StorageClasses refer to")
	root := flag.String("root", "", "directory under which volume directories are created")
	workers := flag.Int("workers", 4, "concurrent workers")
	qps := flag.Float64("kube-api-qps", 50, "client-side QPS limit")
	burst := flag.Int("kube-api-burst", 100, "client-side burst")
	flag.Parse()
	if *kubeconfig == "" || *root == "" {
		fmt.Fprintln(os.Stderr, "usage: storefront-provisioner --kubeconfig FILE --root DIR")
		os.Exit(2)
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatalf("loading kubeconfig: %v", err)
	}
	cfg.QPS = float32(*qps)
	cfg.Burst = *burst
	cfg.UserAgent = "storefront-provisioner"
	client := kubernetes.NewForConfigOrDie(cfg)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	factory := informers.NewSharedInformerFactory(client, 5*time.Minute)
	pvcInformer := factory.Core().V1().PersistentVolumeClaims().Informer()
	pvInformer := factory.Core().V1().PersistentVolumes().Informer()
	scInformer := factory.Storage().V1().StorageClasses().Informer()

	p := &provisioner{
		name:   *name,
		root:   *root,
		client: client,
		pvcs:   pvcInformer.GetIndexer(),
		pvs:    pvInformer.GetIndexer(),
		scs:    scInformer.GetIndexer(),
		queue: workqueue.NewTypedRateLimitingQueue(
			workqueue.DefaultTypedControllerRateLimiter[string]()),
	}
	enqueue := func(prefix string) cache.ResourceEventHandlerFuncs {
		add := func(obj interface{}) {
			if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
				p.queue.Add(prefix + key)
			}
		}
		return cache.ResourceEventHandlerFuncs{
			AddFunc:    add,
			UpdateFunc: func(_, obj interface{}) { add(obj) },
		}
	}
	if _, err := pvcInformer.AddEventHandler(enqueue("pvc/")); err != nil {
		klog.Fatal(err)
	}
	if _, err := pvInformer.AddEventHandler(enqueue("pv/")); err != nil {
		klog.Fatal(err)
	}

	factory.Start(ctx.Done())
	for typ, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			klog.Fatalf("cache for %v did not sync", typ)
		}
	}
	klog.Infof("storefront-provisioner %q ready, volumes under %s", p.name, p.root)

	for i := 0; i < *workers; i++ {
		go wait.UntilWithContext(ctx, p.runWorker, time.Second)
	}
	<-ctx.Done()
	p.queue.ShutDown()
}

func (p *provisioner) runWorker(ctx context.Context) {
	for {
		key, shutdown := p.queue.Get()
		if shutdown {
			return
		}
		var err error
		switch {
		case len(key) > 4 && key[:4] == "pvc/":
			err = p.syncClaim(ctx, key[4:])
		case len(key) > 3 && key[:3] == "pv/":
			err = p.syncVolume(ctx, key[3:])
		}
		if err != nil {
			klog.Warningf("sync %s: %v (will retry)", key, err)
			p.queue.AddRateLimited(key)
		} else {
			p.queue.Forget(key)
		}
		p.queue.Done(key)
	}
}

// ourClass returns the StorageClass if it names this provisioner.
func (p *provisioner) ourClass(name string) *storagev1.StorageClass {
	if name == "" {
		return nil
	}
	obj, ok, err := p.scs.GetByKey(name)
	if err != nil || !ok {
		return nil
	}
	sc := obj.(*storagev1.StorageClass)
	if sc.Provisioner != p.name {
		return nil
	}
	return sc
}

func volumeName(claim *corev1.PersistentVolumeClaim) string {
	return "pvc-" + string(claim.UID)
}

func (p *provisioner) syncClaim(ctx context.Context, key string) error {
	obj, ok, err := p.pvcs.GetByKey(key)
	if err != nil || !ok {
		return err
	}
	claim := obj.(*corev1.PersistentVolumeClaim)
	if claim.Spec.VolumeName != "" || claim.Status.Phase != corev1.ClaimPending || claim.DeletionTimestamp != nil {
		return nil
	}
	if claim.Spec.StorageClassName == nil {
		return nil
	}
	sc := p.ourClass(*claim.Spec.StorageClassName)
	if sc == nil {
		return nil
	}
	name := volumeName(claim)
	if _, exists, _ := p.pvs.GetByKey(name); exists {
		return nil
	}
	request, ok := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		return fmt.Errorf("claim %s has no storage request", key)
	}
	dir := filepath.Join(p.root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// World-writable, like local-path-provisioner's directories: fsGroup does not apply to
	// hostPath volumes, so on the real node a pod's non-root user (Postgres as 999) must be able
	// to write here. The directories live under the cluster's private state directory.
	if err := os.Chmod(dir, 0o777); err != nil {
		return err
	}
	reclaim := corev1.PersistentVolumeReclaimDelete
	if sc.ReclaimPolicy != nil {
		reclaim = *sc.ReclaimPolicy
	}
	accessModes := claim.Spec.AccessModes
	if len(accessModes) == 0 {
		accessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	hostPathType := corev1.HostPathDirectoryOrCreate
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{provisionedByAnnotation: p.name},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: request},
			AccessModes:                   accessModes,
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              sc.Name,
			VolumeMode:                    claim.Spec.VolumeMode,
			MountOptions:                  sc.MountOptions,
			ClaimRef: &corev1.ObjectReference{
				Kind:            "PersistentVolumeClaim",
				APIVersion:      "v1",
				Namespace:       claim.Namespace,
				Name:            claim.Name,
				UID:             claim.UID,
				ResourceVersion: claim.ResourceVersion,
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &hostPathType},
			},
		},
	}
	_, err = p.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err == nil {
		klog.Infof("provisioned %s for %s (%s)", name, key, request.String())
	}
	return err
}

func (p *provisioner) syncVolume(ctx context.Context, key string) error {
	obj, ok, err := p.pvs.GetByKey(key)
	if err != nil || !ok {
		return err
	}
	pv := obj.(*corev1.PersistentVolume)
	if pv.Annotations[provisionedByAnnotation] != p.name || pv.DeletionTimestamp != nil {
		return nil
	}
	if pv.Status.Phase != corev1.VolumeReleased || pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
		return nil
	}
	if pv.Spec.HostPath != nil && filepath.Dir(pv.Spec.HostPath.Path) == filepath.Clean(p.root) {
		if err := os.RemoveAll(pv.Spec.HostPath.Path); err != nil {
			return err
		}
	}
	err = p.client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &pv.UID},
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err == nil {
		klog.Infof("deleted released volume %s", pv.Name)
	}
	return err
}
