import {
  choice,
  flag,
  renamed,
  seq,
  simple,
  text,
  type AttrSpec,
  type ElementSpec,
} from './xml-schema.model.js';

/*
 * The CyberTipline "ispws" report schema (the `<report>` document of POST /submit and the
 * `<fileDetails>` document of POST /fileinfo), as far as Lifeguard emits it.
 *
 * Sources: NCMEC's ESP reporting API documentation (https://report.cybertip.org/ispws/documentation,
 * excerpts: endpoints, "everything other than incident type and date/time is voluntary"), and the
 * element order, multiplicities and length limits of three independent open-source clients built
 * against the official XSD: Nachtalb/ncmec-cybertip (pydantic-xml models), roostorg/coop
 * (`ncmecReporting.ts`, Appendices B and C) and Johannes-Andersen/CyberTipline-Tools. No complete
 * copy of the XSD was available; operators must check documents against `GET {base}/xsd` on the
 * test environment before production (docs/reporting.md). Where the clients disagree the choice
 * is noted beside the element.
 *
 * Omitted (Lifeguard never emits them, so the validator rejects them as unknown): batchedReport,
 * lawEnforcement, associatedAccount, intendedRecipient.
 */

/** The `xsi:noNamespaceSchemaLocation` the documents carry (no XML namespace). */
export const CYBERTIP_SCHEMA_LOCATION = 'https://report.cybertip.org/ispws/xsd';

/** `incidentType` values ("Acts": NCMEC's production clients Coop and ncmec-cybertip agree). */
export const INCIDENT_TYPES = [
  'Child Pornography (possession, manufacture, and distribution)',
  'Child Sex Trafficking',
  'Child Sex Tourism',
  'Child Sexual Molestation',
  'Misleading Domain Name',
  'Misleading Words or Digital Images on the Internet',
  'Online Enticement of Children for Sexual Acts',
  'Unsolicited Obscene Material Sent to a Child',
] as const;

/** Tech Coalition industry classification: A/B = prepubescent/pubescent, 1/2 = sex act/lascivious exhibition. */
export const INDUSTRY_CLASSIFICATIONS = ['A1', 'A2', 'B1', 'B2'] as const;

/** `fileRelevance` values; only `Reported` files may be classified or marked `potentialMeme`. */
export const FILE_RELEVANCES = ['Reported', 'Supplemental Reported'] as const;

/** Presence flags of `<reportAnnotations>`, in schema order. */
export const REPORT_ANNOTATIONS = [
  'sextortion',
  'csamSolicitation',
  'minorToMinorInteraction',
  'spam',
  'sadisticOnlineExploitation',
  'informational',
] as const;

/** Presence flags of `<fileAnnotations>`, in schema order. */
export const FILE_ANNOTATIONS = [
  'animeDrawingVirtualHentai',
  'potentialMeme',
  'viral',
  'possibleSelfProduction',
  'physicalHarm',
  'violenceGore',
  'bestiality',
  'liveStreaming',
  'infant',
  'generativeAi',
] as const;

/** `eventName` of IP and device captures. */
export const EVENT_NAMES = [
  'Login',
  'Registration',
  'Purchase',
  'Upload',
  'Other',
  'Unknown',
] as const;

/** `hashType` values Lifeguard sends (upper case, as NCMEC's clients send them). */
export const HASH_TYPES = ['MD5', 'SHA1', 'SHA256', 'PDQ', 'PHOTODNA'] as const;

const bool = { type: 'boolean' } as const;
const dateTime = { type: 'dateTime' } as const;
/** ISO 3166-1 alpha-2, plus NCMEC's specials A1, A2, O1. */
const country = { type: 'string', pattern: /^[A-Z][A-Z0-9]$/ } as const;
/** US state: two-letter postal code. */
const usState = { type: 'string', pattern: /^[A-Z]{2}$/ } as const;

const verifiedAttrs: readonly AttrSpec[] = [
  { name: 'verified', type: 'boolean' },
  { name: 'verificationDate', type: 'dateTime' },
];

const phone = simple('phone', '*', { type: 'string', maxLength: 50 }, [
  {
    name: 'type',
    type: 'string',
    enum: ['Mobile', 'Home', 'Business', 'Work', 'Fax', 'Internet', 'Recovery'],
  },
  ...verifiedAttrs,
  { name: 'countryCallingCode', type: 'string', pattern: /^\+[0-9]{1,3}$/ },
  { name: 'extension', type: 'string', pattern: /^[0-9]{1,10}$/ },
]);

const email = simple('email', '*', { type: 'string', maxLength: 255 }, [
  { name: 'type', type: 'string', enum: ['Home', 'Work', 'Business', 'Recovery'] },
  ...verifiedAttrs,
]);

const address = seq(
  'address',
  '*',
  [
    text('address', '?', 255),
    text('city', '?', 100),
    text('zipCode', '?', 20),
    simple('state', '?', usState),
    text('nonUsaState', '?', 100),
    simple('country', '?', country),
  ],
  [
    {
      name: 'type',
      type: 'string',
      enum: ['Home', 'Business', 'Billing', 'Shipping', 'Technical'],
    },
  ],
);

const contactPersonChildren = [
  text('firstName', '?', 100),
  text('lastName', '?', 100),
  phone,
  email,
  address,
];

const personChildren = [
  ...contactPersonChildren,
  simple('age', '?', { type: 'int', range: [0, 150] }),
  simple('ageAssertionDiscrepancy', '?', bool),
  simple('dateOfBirth', '?', { type: 'date' }),
];

/** An IP capture: sequence ipAddress, eventName, dateTime, possibleProxy, port. */
const ipCaptureEvent = seq('ipCaptureEvent', '*', [
  text('ipAddress', '1', 64),
  simple('eventName', '?', { type: 'string', enum: EVENT_NAMES }),
  simple('dateTime', '?', dateTime),
  simple('possibleProxy', '?', bool),
  simple('port', '?', { type: 'int', range: [1, 65535] }),
]);

const deviceId = seq('deviceId', '*', [
  text('idType', '1', 255),
  text('idValue', '1', 2083),
  simple('eventName', '?', { type: 'string', enum: EVENT_NAMES }),
  simple('dateTime', '?', dateTime),
]);

const estimatedLocation = seq(
  'estimatedLocation',
  '?',
  [text('city', '?', 255), text('region', '?', 255), simple('countryCode', '?', country)],
  [
    { name: 'verified', type: 'boolean' },
    { name: 'timestamp', type: 'dateTime' },
  ],
);

const url = text('url', '*', 2083);
const additionalInfo = text('additionalInfo', '?', 3000);
const content = text('content', '?');

const internetDetails = choice('internetDetails', '*', [
  seq(
    'webPageIncident',
    '1',
    [url, additionalInfo],
    [{ name: 'thirdPartyHostedContent', type: 'boolean' }],
  ),
  seq('emailIncident', '1', [renamed(email, 'emailAddress', '*'), content, additionalInfo]),
  seq('newsgroupIncident', '1', [
    text('name', '?', 255),
    renamed(email, 'emailAddress', '*'),
    content,
    additionalInfo,
  ]),
  seq('chatImIncident', '1', [
    text('chatClient', '?', 255),
    text('chatRoomName', '?', 255),
    content,
    additionalInfo,
  ]),
  seq('onlineGamingIncident', '1', [
    text('gameName', '?', 255),
    text('console', '?', 255),
    content,
    additionalInfo,
  ]),
  seq('cellPhoneIncident', '1', [
    renamed(phone, 'phoneNumber', '?'),
    simple('latitude', '?', { type: 'decimal', range: [-90, 90] }),
    simple('longitude', '?', { type: 'decimal', range: [-180, 180] }),
    additionalInfo,
  ]),
  seq('nonInternetIncident', '1', [
    text('locationName', '?', 255),
    renamed(address, 'incidentAddress', '*'),
    additionalInfo,
  ]),
  seq('peer2peerIncident', '1', [
    text('client', '?', 255),
    ipCaptureEvent,
    text('fileNames', '?'),
    additionalInfo,
  ]),
]);

/** Fields shared by the reported user and the victim, up to where they differ. */
const accountHead = [
  text('espIdentifier', '?', 255),
  text('espService', '?', 100),
  simple('compromisedAccount', '?', bool),
  text('screenName', '?', 256),
  text('displayName', '*', 256),
  text('profileUrl', '*', 2083),
  text('profileBio', '?', 3000),
  ipCaptureEvent,
  deviceId,
];

const priorCTReports = simple('priorCTReports', '*', { type: 'int', range: [1, 2 ** 53 - 1] });

const personOrUserReported = seq('personOrUserReported', '?', [
  seq('personOrUserReportedPerson', '?', personChildren),
  text('vehicleDescription', '?', 300),
  ...accountHead,
  simple('thirdPartyUserReported', '?', bool),
  priorCTReports,
  text('groupIdentifier', '?', 255),
  // Coop's XSD order lock (fieldCoverage.test.ts) places these two here.
  simple('accountTemporarilyDisabled', '?', bool),
  simple('accountPermanentlyDisabled', '?', bool),
  estimatedLocation,
  simple('allEmailsReported', '?', bool),
  additionalInfo,
]);

const victim = seq('victim', '*', [
  seq('victimPerson', '1', personChildren),
  ...accountHead,
  text('schoolName', '?', 255),
  priorCTReports,
  estimatedLocation,
  simple('allEmailsReported', '?', bool),
  additionalInfo,
]);

const reporter = seq('reporter', '1', [
  seq('reportingPerson', '1', personChildren),
  seq('contactPerson', '?', contactPersonChildren),
  text('companyTemplate', '?', 3000),
  text('termsOfService', '?', 3000),
  text('legalURL', '?', 2083),
]);

const incidentSummary = seq('incidentSummary', '1', [
  simple('incidentType', '1', { type: 'string', enum: INCIDENT_TYPES }),
  text('platform', '?', 256),
  text('escalateToHighPriority', '?', 3000),
  seq('reportAnnotations', '?', REPORT_ANNOTATIONS.map(flag)),
  simple('incidentDateTime', '1', dateTime),
  text('incidentDateTimeDescription', '?', 3000),
]);

const xsiAttrs: readonly AttrSpec[] = [
  { name: 'xmlns:xsi', type: 'string' },
  { name: 'xsi:noNamespaceSchemaLocation', type: 'string' },
];

/** The `<report>` document (POST /submit), in `xs:sequence` order. */
export const REPORT_SCHEMA: ElementSpec = seq(
  'report',
  '1',
  [incidentSummary, internetDetails, reporter, personOrUserReported, victim, additionalInfo],
  xsiAttrs,
);

/**
 * The `<fileDetails>` document (POST /fileinfo). `ipCaptureEvent` repeats: Coop, which files
 * production reports, sends a list per file (ncmec-cybertip models one; a list of one is valid
 * either way). `details` carries its `type` attribute on `<details>` (Coop, CyberTipline-Tools;
 * ncmec-cybertip puts it on each pair).
 */
export const FILE_DETAILS_SCHEMA: ElementSpec = seq(
  'fileDetails',
  '1',
  [
    simple('reportId', '1', { type: 'int', range: [1, 2 ** 53 - 1] }),
    simple('fileId', '1', { type: 'string', maxLength: 64, pattern: /^[0-9A-Za-z-]+$/ }),
    // In Coop's XSD order lock; its length is not known: the originalFileName limit is assumed.
    text('fileName', '?', 2056),
    text('originalFileName', '?', 2056),
    simple('uploadedToEspTimestamp', '?', dateTime),
    text('locationOfFile', '?', 2083),
    simple('fileViewedByEsp', '?', bool),
    simple('exifViewedByEsp', '?', bool),
    simple('publiclyAvailable', '?', bool),
    simple('fileRelevance', '?', { type: 'string', enum: FILE_RELEVANCES }),
    seq('fileAnnotations', '?', FILE_ANNOTATIONS.map(flag)),
    simple('industryClassification', '?', { type: 'string', enum: INDUSTRY_CLASSIFICATIONS }),
    simple('originalFileHash', '*', { type: 'string', maxLength: 1024 }, [
      { name: 'hashType', type: 'string', required: true, maxLength: 64 },
    ]),
    ipCaptureEvent,
    deviceId,
    seq(
      'details',
      '*',
      [seq('nameValuePair', '+', [text('name', '1', 64), text('value', '1', 3000)])],
      [{ name: 'type', type: 'string', enum: ['EXIF', 'HASH'] }],
    ),
    text('additionalInfo', '*', 3000),
  ],
  xsiAttrs,
);
