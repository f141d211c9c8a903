// Client routes. siyu serves index.html for every path that is not a file, so history mode works when the
// console is opened at any deep link.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import { NAV, homePath } from '@/nav'
import { decide } from './decide'

const perm = (name: string) => NAV.find((n) => n.name === name)?.anyOf ?? []

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/auth/LoginView.vue'), meta: { stage: 'anonymous' } },
  {
    path: '/password-change',
    name: 'password-change',
    component: () => import('@/views/auth/PasswordChangeView.vue'),
    meta: { stage: 'password_change' },
  },
  {
    path: '/totp/enroll',
    name: 'totp-enroll',
    component: () => import('@/views/auth/TotpEnrollView.vue'),
    meta: { stage: 'totp_enroll' },
  },
  { path: '/totp', name: 'totp', component: () => import('@/views/auth/TotpVerifyView.vue'), meta: { stage: 'totp' } },
  {
    path: '/',
    component: () => import('@/layouts/AppShell.vue'),
    children: [
      { path: '', name: 'home', redirect: () => homePath(useAuthStore().permissions) },
      { path: 'org', name: 'org', component: () => import('@/views/org/OrgView.vue'), meta: { anyOf: perm('org') } },
      // One record for the list and a deep link to one person (/staff/<id> opens the detail drawer).
      { path: 'staff/:id?', name: 'staff', component: () => import('@/views/staff/StaffView.vue'), meta: { anyOf: perm('staff') } },
      // /customers/<id> opens the detail drawer; the id is opaque, identifiers are searched for in a POST body.
      {
        path: 'customers/:id?',
        name: 'customers',
        component: () => import('@/views/customers/CustomersView.vue'),
        meta: { anyOf: perm('customers') },
      },
      {
        path: 'channels',
        name: 'channels',
        component: () => import('@/views/channels/ChannelsView.vue'),
        meta: { anyOf: perm('channels') },
      },
      {
        path: 'exports',
        name: 'exports',
        component: () => import('@/views/exports/ExportsView.vue'),
        meta: { anyOf: perm('exports') },
      },
      {
        path: 'approvals',
        name: 'approvals',
        component: () => import('@/views/exports/ApprovalsView.vue'),
        meta: { anyOf: perm('approvals') },
      },
      {
        path: 'wecom/tags',
        name: 'wecom-tags',
        component: () => import('@/views/wecom/TagsView.vue'),
        meta: { anyOf: perm('wecom-tags') },
      },
      { path: 'roles', name: 'roles', component: () => import('@/views/roles/RolesView.vue') },
      { path: 'audit', name: 'audit', component: () => import('@/views/audit/AuditView.vue'), meta: { anyOf: perm('audit') } },
      {
        path: 'security',
        name: 'security',
        component: () => import('@/views/security/SecurityView.vue'),
        meta: { anyOf: perm('security') },
      },
      {
        path: 'system',
        name: 'system',
        component: () => import('@/views/system/SystemView.vue'),
        meta: { anyOf: perm('system') },
      },
      { path: 'wecom', name: 'wecom', component: () => import('@/views/wecom/WecomView.vue'), meta: { anyOf: perm('wecom') } },
      { path: 'tokens', name: 'tokens', component: () => import('@/views/tokens/TokensView.vue') },
      { path: 'account/password', name: 'account-password', component: () => import('@/views/account/PasswordView.vue') },
      { path: 'account/sessions', name: 'account-sessions', component: () => import('@/views/account/SessionsView.vue') },
      { path: 'forbidden', name: 'forbidden', component: () => import('@/views/StatusView.vue'), props: { kind: 'forbidden' } },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/StatusView.vue'),
        props: { kind: 'not-found' },
      },
    ],
  },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (auth.stage === 'unknown') {
    try {
      await auth.refresh()
    } catch {
      auth.reset()
    }
  }
  const verdict = decide(auth.stage, { path: to.path, fullPath: to.fullPath, meta: to.meta as never }, auth.permissions)
  return verdict === true ? true : verdict
})
