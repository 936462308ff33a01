/* vmm-hypervisor-base.c: state machinery shared by hypervisor backends
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "vmm-hypervisor-base.h"
#include "vmm-enum-types.h"

/**
 * VmmHypervisorBase:
 *
 * An abstract base class for hypervisor backends.
 *
 * It implements the parts of [iface@Vmm.Hypervisor] that every backend
 * needs in the same way: the [property@Vmm.Hypervisor:state] property, the
 * [signal@Vmm.Hypervisor::state-changed] signal, the configuration and the
 * exit status of the hypervisor process.
 *
 * A backend derives from it, implements the interface methods it supports
 * (the others keep their %VMM_ERROR_NOT_SUPPORTED defaults) and announces
 * every transition with [method@Vmm.HypervisorBase.set_state].
 *
 * Signals are emitted in the [struct@GLib.MainContext] that was the
 * thread-default context when the object was created. A transition made in
 * the creating thread is announced at once; one made in another thread is
 * queued and announced, in order, from that context.
 */

typedef struct
{
  VmmVmState  old_state;
  VmmVmState  new_state;
} Transition;

typedef struct
{
  GMutex               lock;
  VmmVmState           state;
  VmmHypervisorConfig *config;
  int                  exit_status;
  GMainContext        *context;
  GThread             *thread;
  GQueue               pending;     /* of Transition*, guarded by lock */
  GSource             *dispatch;    /* guarded by lock */
} VmmHypervisorBasePrivate;

static void vmm_hypervisor_base_iface_init (VmmHypervisorInterface *iface);

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (VmmHypervisorBase, vmm_hypervisor_base, G_TYPE_OBJECT,
                                  G_ADD_PRIVATE (VmmHypervisorBase)
                                  G_IMPLEMENT_INTERFACE (VMM_TYPE_HYPERVISOR,
                                                         vmm_hypervisor_base_iface_init))

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static guint state_changed_signal;

static VmmVmState
vmm_hypervisor_base_get_state_vfunc (VmmHypervisor *hypervisor)
{
  VmmHypervisorBase *self = VMM_HYPERVISOR_BASE (hypervisor);
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);
  VmmVmState state;

  g_mutex_lock (&priv->lock);
  state = priv->state;
  g_mutex_unlock (&priv->lock);

  return state;
}

static VmmHypervisorConfig *
vmm_hypervisor_base_get_config_vfunc (VmmHypervisor *hypervisor)
{
  VmmHypervisorBase *self = VMM_HYPERVISOR_BASE (hypervisor);
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);

  return priv->config;
}

static int
vmm_hypervisor_base_get_exit_status_vfunc (VmmHypervisor *hypervisor)
{
  VmmHypervisorBase *self = VMM_HYPERVISOR_BASE (hypervisor);
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);

  return g_atomic_int_get (&priv->exit_status);
}

static guint
vmm_hypervisor_base_get_total_memory_mib_vfunc (VmmHypervisor *hypervisor)
{
  VmmHypervisorConfig *config = vmm_hypervisor_base_get_config_vfunc (hypervisor);

  return config != NULL ? vmm_hypervisor_config_get_memory_mib (config) : 0;
}

static void
vmm_hypervisor_base_iface_init (VmmHypervisorInterface *iface)
{
  iface->get_state = vmm_hypervisor_base_get_state_vfunc;
  iface->get_config = vmm_hypervisor_base_get_config_vfunc;
  iface->get_exit_status = vmm_hypervisor_base_get_exit_status_vfunc;
  iface->get_total_memory_mib = vmm_hypervisor_base_get_total_memory_mib_vfunc;
}

static void
emit_transition (VmmHypervisorBase *self,
                 VmmVmState         old_state,
                 VmmVmState         new_state)
{
  g_autofree char *vm_id = NULL;
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);

  g_mutex_lock (&priv->lock);
  if (priv->config != NULL)
    vm_id = g_strdup (vmm_hypervisor_config_get_id (priv->config));
  g_mutex_unlock (&priv->lock);

  g_log_structured ("Vmm", G_LOG_LEVEL_DEBUG,
                    "VMM_VM_ID", vm_id ? vm_id : "",
                    "MESSAGE", "VM %s: %s -> %s", vm_id ? vm_id : "(unnamed)",
                    vmm_vm_state_to_string (old_state),
                    vmm_vm_state_to_string (new_state));

  g_signal_emit (self, state_changed_signal, 0, old_state, new_state);
  g_object_notify (G_OBJECT (self), "state");
}

/* Emits every queued transition, in order. Called in the owner context. */
static void
flush_pending (VmmHypervisorBase *self)
{
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);

  for (;;)
    {
      g_autofree Transition *t = NULL;

      g_mutex_lock (&priv->lock);
      t = g_queue_pop_head (&priv->pending);
      g_mutex_unlock (&priv->lock);

      if (t == NULL)
        break;

      emit_transition (self, t->old_state, t->new_state);
    }
}

static gboolean
dispatch_pending_cb (gpointer user_data)
{
  VmmHypervisorBase *self = user_data;
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);

  g_mutex_lock (&priv->lock);
  g_clear_pointer (&priv->dispatch, g_source_unref);
  g_mutex_unlock (&priv->lock);

  flush_pending (self);

  return G_SOURCE_REMOVE;
}

/**
 * vmm_hypervisor_base_set_state:
 * @self: a #VmmHypervisorBase
 * @state: the new state
 *
 * Moves the VM to @state and announces the transition exactly once with
 * [signal@Vmm.Hypervisor::state-changed] and `notify::state`, in the main
 * context that created @self. Setting the current state again does
 * nothing. Safe to call from any thread.
 */
void
vmm_hypervisor_base_set_state (VmmHypervisorBase *self,
                               VmmVmState         state)
{
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);
  Transition *t;
  gboolean in_owner_thread;

  g_return_if_fail (VMM_IS_HYPERVISOR_BASE (self));

  in_owner_thread = g_thread_self () == priv->thread;

  g_mutex_lock (&priv->lock);
  if (priv->state == state)
    {
      g_mutex_unlock (&priv->lock);
      return;
    }

  /* Every transition goes through the queue, in the order the state
   * changed, also in the owner thread: emitting it directly would put it
   * after one that another thread queues between this unlock and the
   * emission, and announce a broken chain. */
  t = g_new0 (Transition, 1);
  t->old_state = priv->state;
  t->new_state = state;
  priv->state = state;
  g_queue_push_tail (&priv->pending, t);

  if (!in_owner_thread)
    {
      if (priv->dispatch == NULL)
        {
          priv->dispatch = g_idle_source_new ();
          g_source_set_priority (priv->dispatch, G_PRIORITY_DEFAULT);
          g_source_set_static_name (priv->dispatch, "[vmm] state-changed dispatch");
          g_source_set_callback (priv->dispatch, dispatch_pending_cb,
                                 g_object_ref (self), g_object_unref);
          g_source_attach (priv->dispatch, priv->context);
        }
      g_mutex_unlock (&priv->lock);
      return;
    }
  g_mutex_unlock (&priv->lock);

  /* This one, after those queued before it (from other threads). */
  flush_pending (self);
}

/**
 * vmm_hypervisor_base_set_config:
 * @self: a #VmmHypervisorBase
 * @config: (nullable): the configuration of the VM
 *
 * Sets the configuration returned by vmm_hypervisor_get_config(). Backends
 * call it from create_vm with their own copy of the caller's configuration.
 */
void
vmm_hypervisor_base_set_config (VmmHypervisorBase   *self,
                                VmmHypervisorConfig *config)
{
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);

  g_return_if_fail (VMM_IS_HYPERVISOR_BASE (self));
  g_return_if_fail (config == NULL || VMM_IS_HYPERVISOR_CONFIG (config));

  g_autoptr(VmmHypervisorConfig) old_config = NULL;

  g_mutex_lock (&priv->lock);
  old_config = g_steal_pointer (&priv->config);
  priv->config = config != NULL ? g_object_ref (config) : NULL;
  g_mutex_unlock (&priv->lock);
}

/**
 * vmm_hypervisor_base_set_exit_status:
 * @self: a #VmmHypervisorBase
 * @wait_status: a wait status as returned by waitpid(), or -1 to clear it
 *
 * Records how the hypervisor process ended, for
 * vmm_hypervisor_get_exit_status(). Call it before moving to
 * %VMM_VM_STATE_STOPPED or %VMM_VM_STATE_CRASHED so that handlers of
 * [signal@Vmm.Hypervisor::state-changed] see it.
 */
void
vmm_hypervisor_base_set_exit_status (VmmHypervisorBase *self,
                                     int                wait_status)
{
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);

  g_return_if_fail (VMM_IS_HYPERVISOR_BASE (self));

  g_atomic_int_set (&priv->exit_status, wait_status);
}

/**
 * vmm_hypervisor_base_get_main_context:
 * @self: a #VmmHypervisorBase
 *
 * Gets the main context that was the thread-default when @self was created.
 * Signals are emitted there, and a backend attaches its long-lived sources
 * (process watches, for example) to it rather than to whatever context is
 * the thread-default during a call: the synchronous forms of operations run
 * the asynchronous ones in a private context that is gone afterwards.
 *
 * Returns: (transfer none): the main context
 */
GMainContext *
vmm_hypervisor_base_get_main_context (VmmHypervisorBase *self)
{
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);

  g_return_val_if_fail (VMM_IS_HYPERVISOR_BASE (self), NULL);

  return priv->context;
}

static void
vmm_hypervisor_base_finalize (GObject *object)
{
  VmmHypervisorBase *self = VMM_HYPERVISOR_BASE (object);
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);

  /* The dispatch source holds a reference, so none can be pending here. */
  g_queue_clear_full (&priv->pending, g_free);
  g_clear_object (&priv->config);
  g_clear_pointer (&priv->context, g_main_context_unref);
  g_mutex_clear (&priv->lock);

  G_OBJECT_CLASS (vmm_hypervisor_base_parent_class)->finalize (object);
}

static void
vmm_hypervisor_base_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  VmmHypervisor *self = VMM_HYPERVISOR (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, vmm_hypervisor_base_get_state_vfunc (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vmm_hypervisor_base_class_init (VmmHypervisorBaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  gpointer iface;

  /* The interface's default_init installs the property and the signal. */
  iface = g_type_default_interface_ref (VMM_TYPE_HYPERVISOR);

  object_class->finalize = vmm_hypervisor_base_finalize;
  object_class->get_property = vmm_hypervisor_base_get_property;

  g_object_class_override_property (object_class, PROP_STATE, "state");

  state_changed_signal = g_signal_lookup ("state-changed", VMM_TYPE_HYPERVISOR);
  g_type_default_interface_unref (iface);
}

static void
vmm_hypervisor_base_init (VmmHypervisorBase *self)
{
  VmmHypervisorBasePrivate *priv = vmm_hypervisor_base_get_instance_private (self);

  g_mutex_init (&priv->lock);
  priv->state = VMM_VM_STATE_NOT_CREATED;
  priv->exit_status = -1;
  priv->context = g_main_context_ref_thread_default ();
  priv->thread = g_thread_self ();
  g_queue_init (&priv->pending);
}
