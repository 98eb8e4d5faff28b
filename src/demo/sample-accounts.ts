import type { StandInAccount } from '../stand-in/truto-stand-in.js';

/**
 * The connected accounts the demo's stand-in serves: a few integrations that list licenses,
 * shaped like Truto's unified records, with the flaws real payloads have.
 *
 * The first edition is what a first sync finds. The later edition is served once the store
 * holds a succeeded run of these accounts, and shows what a nightly re-sync does: one license
 * whose seat count moved is written again, one that the vendor dropped is marked deleted, and
 * every other license is recognized as unchanged and not rewritten.
 */
export type SampleEdition = 'first' | 'later';

export const SAMPLE_ACCOUNT_IDS = {
  microsoft365: '5d0a6f1e-3b7c-4e21-9a65-0c1f365d0e01',
  zoom: '8b2e4c90-77d1-4f0a-8e3b-2a9d200e0e02',
  salesforce: 'c41f9a2b-6e58-4b7d-a1c3-5f0e5a1e0e03',
  atlassian: 'e7d35b18-92fa-4c6e-b04d-7a8c1a7e0e04',
  webex: 'f90c2d6a-1b4e-4d83-9f27-3e6b0e8e0e05',
} as const;

const M365_E3_ASSIGNED = { first: 231, later: 236 } as const;

export function sampleAccounts(edition: SampleEdition): StandInAccount[] {
  return [
    {
      id: SAMPLE_ACCOUNT_IDS.microsoft365,
      tenantId: 'northwind-emea',
      integration: 'microsoft365',
      records: microsoft365Licenses(edition),
    },
    {
      id: SAMPLE_ACCOUNT_IDS.zoom,
      tenantId: 'northwind-emea',
      integration: 'zoom',
      records: zoomLicenses(edition),
    },
    {
      id: SAMPLE_ACCOUNT_IDS.salesforce,
      tenantId: 'northwind-sales',
      integration: 'salesforce',
      records: salesforceLicenses(),
    },
    {
      id: SAMPLE_ACCOUNT_IDS.atlassian,
      tenantId: 'northwind-eng',
      integration: 'atlassian',
      records: atlassianLicenses(),
    },
    // Its owner revoked the connection: the listing skips it, as the nightly fan-out does.
    {
      id: SAMPLE_ACCOUNT_IDS.webex,
      tenantId: 'northwind-emea',
      integration: 'webex',
      status: 'needs_reauth',
    },
  ];
}

function microsoft365Licenses(edition: SampleEdition): unknown[] {
  const plans = ['EXCHANGE_S_ENTERPRISE', 'TEAMS1', 'SHAREPOINTENTERPRISE', 'INTUNE_A'];
  return [
    license('ms-sku-spe-e3', 'Microsoft 365 E3', 36, M365_E3_ASSIGNED[edition], 250, {
      products: plans,
      roles: ['User', 'Global Administrator'],
    }),
    license('ms-sku-spe-e5', 'Microsoft 365 E5', 57, 38, 40, {
      products: [...plans, 'ATP_ENTERPRISE', 'MCOEV'],
      roles: ['User'],
    }),
    license('ms-sku-power-bi-pro', 'Power BI Pro', 10, 22, 60, {
      products: ['BI_AZURE_P2'],
      roles: ['User'],
    }),
    license('ms-sku-visio-p2', 'Visio Plan 2', 15, 3, 10, {
      products: ['VISIO_CLIENT_SUBSCRIPTION', 'VISIOONLINE'],
      roles: ['User'],
      // Graph reports a lapsed subscription as suspended; Truto passes it on as inactive.
      status: 'inactive',
    }),
  ];
}

function zoomLicenses(edition: SampleEdition): unknown[] {
  const licenses = [
    license('zoom-plan-pro', 'Zoom Pro', 14.99, 97, 120, {
      products: ['MEETINGS', 'CLOUD_RECORDING'],
      roles: ['Member', 'Admin'],
    }),
    license('zoom-rooms', 'Zoom Rooms', 49, 12, 12, { products: ['ZOOM_ROOMS'], roles: ['Owner'] }),
  ];
  if (edition === 'later') return licenses;
  return [
    ...licenses,
    license('zoom-webinar-500', 'Zoom Webinar 500', 79, 2, 5, {
      products: ['WEBINAR'],
      roles: ['Member'],
    }),
  ];
}

function salesforceLicenses(): unknown[] {
  return [
    license('sf-sales-cloud-ee', 'Sales Cloud Enterprise', 165, 74, 80, {
      products: ['SALES_CLOUD', 'CPQ'],
      roles: ['Standard User', 'System Administrator'],
    }),
    license('sf-service-cloud', 'Service Cloud', 150, 18, 30, {
      products: ['SERVICE_CLOUD', 'KNOWLEDGE'],
      roles: ['Standard User'],
    }),
    // The vendor's words for a quantity reach Truto unmapped: stored as NULL and noted.
    {
      ...license('sf-platform', 'Salesforce Platform', 25, 9, 25, {
        products: ['FORCE_PLATFORM'],
        roles: ['Standard User'],
      }),
      assigned_quantity: 'several',
    },
    // No id, so it cannot be told apart from any other record: rejected whole, and noted.
    { name: 'Chatter Free', status: 'active', available_quantity: 5000, assigned_quantity: 312 },
  ];
}

function atlassianLicenses(): unknown[] {
  return [
    license('jira-software', 'Jira Software Standard', 7.53, 140, 150, {
      products: ['jira-software'],
      roles: ['user', 'site-admin'],
    }),
    license('confluence', 'Confluence Standard', 5.16, 121, 150, {
      products: ['confluence'],
      roles: ['user'],
    }),
  ];
}

interface LicenseExtras {
  products?: string[];
  roles?: string[];
  status?: 'active' | 'inactive';
}

/** One license in Truto's unified shape, its products and roles numbered in order. */
function license(
  id: string,
  name: string,
  unitAmount: number,
  assigned: number,
  available: number,
  extras: LicenseExtras = {},
): Record<string, unknown> {
  return {
    id,
    name,
    status: extras.status ?? 'active',
    is_paid: true,
    currency: 'USD',
    unit_amount: unitAmount,
    assigned_quantity: assigned,
    available_quantity: available,
    products: (extras.products ?? []).map((product, index) => ({
      id: `${id}-product-${index + 1}`,
      name: product,
      status: 'active',
    })),
    roles: (extras.roles ?? []).map((role, index) => ({
      id: `${id}-role-${index + 1}`,
      name: role,
    })),
    created_at: '2024-02-01T09:00:00.000Z',
    updated_at: '2024-09-01 10:00:00',
    remote_data: { sku: id, seats: { consumed: assigned, prepaid: available } },
  };
}
