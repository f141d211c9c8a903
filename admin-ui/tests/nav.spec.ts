import { describe, expect, it } from 'vitest'
import { homePath, visibleNav } from '@/nav'
import { decide } from '@/router/decide'

// The permissions of the built-in roles, as server/domain/src/access.rs grants them.
const ROLE_PERMS: Record<string, string[]> = {
  system_admin: ['org.read', 'org.write', 'staff.read', 'staff.write', 'role.assign', 'system.status'],
  security_admin: ['staff.read', 'account.reset', 'session.revoke', 'security.policy.read', 'export.approve'],
  auditor: ['audit.read', 'audit.verify'],
  head_office_operator: [
    'org.read',
    'staff.read',
    'customer.read',
    'customer.write',
    'pii.unmask',
    'data.export',
    'wecom.channel.manage',
    'wecom.tag.manage',
  ],
  branch_manager: ['org.read', 'staff.read', 'customer.read', 'wecom.channel.manage'],
  rm: ['org.read', 'customer.read'],
}
const names = (role: string) => visibleNav(new Set(ROLE_PERMS[role])).map((i) => i.name)

describe('navigation by permission', () => {
  it('shows each role its own screens', () => {
    expect(names('system_admin')).toEqual(['org', 'staff', 'roles', 'system', 'tokens'])
    expect(names('security_admin')).toEqual(['staff', 'approvals', 'roles', 'security', 'tokens'])
    expect(names('auditor')).toEqual(['roles', 'audit', 'tokens'])
    expect(names('branch_manager')).toEqual(['org', 'staff', 'customers', 'wecom', 'channels', 'roles', 'tokens'])
    expect(names('head_office_operator')).toEqual([
      'org',
      'staff',
      'customers',
      'wecom',
      'channels',
      'wecom-tags',
      'exports',
      'roles',
      'tokens',
    ])
    expect(names('rm')).toEqual(['org', 'customers', 'wecom', 'roles', 'tokens'])
    expect(names('auditor')).not.toContain('staff')
    // Customers only with customer.read: no admin duty sees them.
    for (const r of ['system_admin', 'security_admin', 'auditor']) expect(names(r)).not.toContain('customers')
    // Exports for data.export, approvals for export.approve: never both for one built-in role.
    for (const r of Object.keys(ROLE_PERMS)) expect(names(r).filter((n) => n === 'exports' || n === 'approvals').length).toBeLessThan(2)
    expect(names('rm')).not.toContain('exports')
    // Channel codes for wecom.channel.manage: head office and branch managers, not RMs.
    expect(names('rm')).not.toContain('channels')
  })

  it('lands each role on its first real screen', () => {
    expect(homePath(new Set(ROLE_PERMS.system_admin))).toBe('/org')
    expect(homePath(new Set(ROLE_PERMS.auditor))).toBe('/audit')
    expect(homePath(new Set(ROLE_PERMS.security_admin))).toBe('/staff')
    expect(homePath(new Set())).toBe('/roles')
  })
})

describe('route decisions', () => {
  const perms = new Set(ROLE_PERMS.auditor)
  const to = (path: string, meta: object = {}) => ({ path, fullPath: path, meta })

  it('keeps an unfinished session on its step', () => {
    expect(decide('anonymous', to('/login', { stage: 'anonymous' }), perms)).toBe(true)
    expect(decide('anonymous', to('/audit', { anyOf: ['audit.read'] }), perms)).toBe('/login?redirect=%2Faudit')
    expect(decide('anonymous', to('/'), perms)).toBe('/login')
    expect(decide('password_change', to('/audit'), perms)).toBe('/password-change')
    expect(decide('totp_enroll', to('/login', { stage: 'anonymous' }), perms)).toBe('/totp/enroll')
    expect(decide('totp', to('/totp', { stage: 'totp' }), perms)).toBe(true)
  })

  it('sends a full session away from the login steps and from screens it may not use', () => {
    expect(decide('full', to('/login', { stage: 'anonymous' }), perms)).toBe('/audit')
    expect(decide('full', to('/org', { anyOf: ['org.read'] }), perms)).toBe('/forbidden')
    expect(decide('full', to('/audit', { anyOf: ['audit.read'] }), perms)).toBe(true)
    expect(decide('full', to('/tokens'), perms)).toBe(true)
    expect(decide('full', to('/customers', { anyOf: ['customer.read'] }), perms)).toBe('/forbidden')
    expect(decide('full', to('/customers', { anyOf: ['customer.read'] }), new Set(ROLE_PERMS.rm))).toBe(true)
    expect(decide('full', to('/approvals', { anyOf: ['export.approve'] }), new Set(ROLE_PERMS.head_office_operator))).toBe('/forbidden')
    expect(decide('full', to('/exports', { anyOf: ['data.export'] }), new Set(ROLE_PERMS.head_office_operator))).toBe(true)
  })
})
