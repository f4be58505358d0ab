import type {
  EVENT_NAMES,
  FILE_ANNOTATIONS,
  FILE_RELEVANCES,
  INCIDENT_TYPES,
  INDUSTRY_CLASSIFICATIONS,
  REPORT_ANNOTATIONS,
} from './cybertip-schema.data.js';

/*
 * The CyberTipline documents as TypeScript. Property names ARE the XML element (and attribute)
 * names, so the builder can emit from the ordered schema (`cybertip-schema.data.ts`) instead of
 * from object key order; repeated elements are arrays; presence flags are `true`; a text element
 * with attributes is `{ value, ...attributes }`. Date-times are ISO-8601 strings with a zone.
 */

/** One of the CyberTipline incident types. */
export type IncidentType = (typeof INCIDENT_TYPES)[number];
/** A / B = prepubescent / pubescent; 1 / 2 = sex act / lascivious exhibition (reviewer's call). */
export type IndustryClassification = (typeof INDUSTRY_CLASSIFICATIONS)[number];
/** `Reported` (the apparent CSAM) or `Supplemental Reported` (context). */
export type FileRelevance = (typeof FILE_RELEVANCES)[number];
/** A report annotation flag. */
export type ReportAnnotation = (typeof REPORT_ANNOTATIONS)[number];
/** A file annotation flag. */
export type FileAnnotation = (typeof FILE_ANNOTATIONS)[number];
/** What an IP or device capture was recorded at. */
export type CaptureEventName = (typeof EVENT_NAMES)[number];

/** `<email>`: address with optional attributes. */
export interface CtEmail {
  /** The address (≤ 255). */
  readonly value: string;
  /** Home | Work | Business | Recovery. */
  readonly type?: 'Home' | 'Work' | 'Business' | 'Recovery';
  /** Whether the platform verified it. */
  readonly verified?: boolean;
  /** When it was verified. */
  readonly verificationDate?: string;
}

/** `<phone>`. */
export interface CtPhone {
  /** The number (≤ 50). */
  readonly value: string;
  /** Mobile | Home | Business | Work | Fax | Internet | Recovery. */
  readonly type?: string;
  /** Verified by the platform. */
  readonly verified?: boolean;
  /** When verified. */
  readonly verificationDate?: string;
  /** `+1` .. `+999`. */
  readonly countryCallingCode?: string;
  /** Digits, ≤ 10. */
  readonly extension?: string;
}

/** `<address>`. */
export interface CtAddress {
  /** Home | Business | Billing | Shipping | Technical. */
  readonly type?: string;
  /** Street address (≤ 255). */
  readonly address?: string;
  /** City (≤ 100). */
  readonly city?: string;
  /** Postal code (≤ 20). */
  readonly zipCode?: string;
  /** US state, two letters. */
  readonly state?: string;
  /** Region outside the US (≤ 100). */
  readonly nonUsaState?: string;
  /** ISO 3166-1 alpha-2. */
  readonly country?: string;
}

/** A contact person (no age or date of birth). */
export interface CtContactPerson {
  /** ≤ 100. */
  readonly firstName?: string;
  /** ≤ 100. */
  readonly lastName?: string;
  /** Phones. */
  readonly phone?: readonly CtPhone[];
  /** Emails. */
  readonly email?: readonly CtEmail[];
  /** Addresses. */
  readonly address?: readonly CtAddress[];
}

/** A person. */
export interface CtPerson extends CtContactPerson {
  /** 0..150. */
  readonly age?: number;
  /** The stated age disagrees with other evidence. */
  readonly ageAssertionDiscrepancy?: boolean;
  /** `YYYY-MM-DD`. */
  readonly dateOfBirth?: string;
}

/** `<ipCaptureEvent>`. */
export interface CtIpCaptureEvent {
  /** IPv4 or IPv6. */
  readonly ipAddress: string;
  /** What it was captured at. */
  readonly eventName?: CaptureEventName;
  /** When. */
  readonly dateTime?: string;
  /** Possibly a proxy / VPN. */
  readonly possibleProxy?: boolean;
  /** Source port, 1..65535. */
  readonly port?: number;
}

/** `<deviceId>`. */
export interface CtDeviceId {
  /** IMEI, ICCID, SSID, ... (≤ 255). */
  readonly idType: string;
  /** The id (≤ 2083). */
  readonly idValue: string;
  /** What it was captured at. */
  readonly eventName?: CaptureEventName;
  /** When. */
  readonly dateTime?: string;
}

/** `<estimatedLocation>`. */
export interface CtEstimatedLocation {
  /** Verified location. */
  readonly verified?: boolean;
  /** When estimated. */
  readonly timestamp?: string;
  /** ≤ 255. */
  readonly city?: string;
  /** ≤ 255. */
  readonly region?: string;
  /** ISO 3166-1 alpha-2. */
  readonly countryCode?: string;
}

/** One `<internetDetails>`: exactly one incident kind. */
export type CtInternetDetails =
  | {
      readonly webPageIncident: {
        readonly thirdPartyHostedContent?: boolean;
        readonly url?: readonly string[];
        readonly additionalInfo?: string;
      };
    }
  | {
      readonly emailIncident: {
        readonly emailAddress?: readonly CtEmail[];
        readonly content?: string;
        readonly additionalInfo?: string;
      };
    }
  | {
      readonly chatImIncident: {
        readonly chatClient?: string;
        readonly chatRoomName?: string;
        readonly content?: string;
        readonly additionalInfo?: string;
      };
    }
  | {
      readonly onlineGamingIncident: {
        readonly gameName?: string;
        readonly console?: string;
        readonly content?: string;
        readonly additionalInfo?: string;
      };
    };

/** Account fields shared by the reported user and a victim. */
export interface CtAccount {
  /** The platform's user id (≤ 255). */
  readonly espIdentifier?: string;
  /** The platform's service name (≤ 100). */
  readonly espService?: string;
  /** The account was compromised. */
  readonly compromisedAccount?: boolean;
  /** ≤ 256. */
  readonly screenName?: string;
  /** Display names. */
  readonly displayName?: readonly string[];
  /** Profile URLs. */
  readonly profileUrl?: readonly string[];
  /** Profile text. */
  readonly profileBio?: string;
  /** IP captures. */
  readonly ipCaptureEvent?: readonly CtIpCaptureEvent[];
  /** Device ids. */
  readonly deviceId?: readonly CtDeviceId[];
}

/** `<personOrUserReported>`: the suspect. */
export interface CtPersonOrUserReported extends CtAccount {
  /** Real-world identity, when known. */
  readonly personOrUserReportedPerson?: CtPerson;
  /** ≤ 300. */
  readonly vehicleDescription?: string;
  /** A third party's user. */
  readonly thirdPartyUserReported?: boolean;
  /** Earlier CyberTipline report ids about this user. */
  readonly priorCTReports?: readonly number[];
  /** ≤ 255. */
  readonly groupIdentifier?: string;
  /** The platform disabled the account for now. */
  readonly accountTemporarilyDisabled?: boolean;
  /** The platform disabled the account for good. */
  readonly accountPermanentlyDisabled?: boolean;
  /** Estimated location. */
  readonly estimatedLocation?: CtEstimatedLocation;
  /** Every email of the account is listed. */
  readonly allEmailsReported?: boolean;
  /** ≤ 3000. */
  readonly additionalInfo?: string;
}

/** `<victim>`. */
export interface CtVictim extends CtAccount {
  /** Required. */
  readonly victimPerson: CtPerson;
  /** ≤ 255. */
  readonly schoolName?: string;
  /** Earlier report ids. */
  readonly priorCTReports?: readonly number[];
  /** Estimated location. */
  readonly estimatedLocation?: CtEstimatedLocation;
  /** Every email listed. */
  readonly allEmailsReported?: boolean;
  /** ≤ 3000. */
  readonly additionalInfo?: string;
}

/** The `<report>` document of POST /submit. */
export interface CyberTipReport {
  /** Required: type and time of the incident. */
  readonly incidentSummary: {
    readonly incidentType: IncidentType;
    readonly platform?: string;
    /** Presence escalates the report (a child in imminent danger): the reason. */
    readonly escalateToHighPriority?: string;
    readonly reportAnnotations?: Partial<Record<ReportAnnotation, true>>;
    readonly incidentDateTime: string;
    readonly incidentDateTimeDescription?: string;
  };
  /** Where it happened online. */
  readonly internetDetails?: readonly CtInternetDetails[];
  /** Required: the reporting company and person. */
  readonly reporter: {
    readonly reportingPerson: CtPerson;
    readonly contactPerson?: CtContactPerson;
    readonly companyTemplate?: string;
    readonly termsOfService?: string;
    readonly legalURL?: string;
  };
  /** The reported user. */
  readonly personOrUserReported?: CtPersonOrUserReported;
  /** Known victims. */
  readonly victim?: readonly CtVictim[];
  /** ≤ 3000. */
  readonly additionalInfo?: string;
}

/** The `<fileDetails>` document of POST /fileinfo. */
export interface CyberTipFileDetails {
  /** The report id from /submit. */
  readonly reportId: number;
  /** The file id from /upload (32 hex characters at NCMEC). */
  readonly fileId: string;
  /** File name (in the XSD's sequence before `originalFileName`; Lifeguard does not send it). */
  readonly fileName?: string;
  /** ≤ 2056. */
  readonly originalFileName?: string;
  /** When the file reached the platform. */
  readonly uploadedToEspTimestamp?: string;
  /** URL of the file at the platform (≤ 2083). */
  readonly locationOfFile?: string;
  /** A person at the platform viewed the whole file: only from a recorded view. */
  readonly fileViewedByEsp?: boolean;
  /** A person at the platform viewed the file's EXIF: only from a recorded view. */
  readonly exifViewedByEsp?: boolean;
  /** The file was publicly available. */
  readonly publiclyAvailable?: boolean;
  /** Reported (default) or Supplemental Reported. */
  readonly fileRelevance?: FileRelevance;
  /** Flags. */
  readonly fileAnnotations?: Partial<Record<FileAnnotation, true>>;
  /** The reviewer's classification (Reported files only). */
  readonly industryClassification?: IndustryClassification;
  /** Hashes of the original bytes. */
  readonly originalFileHash?: readonly { readonly value: string; readonly hashType: string }[];
  /** The upload's IP captures (a list, as Coop sends it: `maxOccurs` > 1). */
  readonly ipCaptureEvent?: readonly CtIpCaptureEvent[];
  /** Device ids. */
  readonly deviceId?: readonly CtDeviceId[];
  /** Name/value metadata. */
  readonly details?: readonly {
    readonly type?: 'EXIF' | 'HASH';
    readonly nameValuePair: readonly { readonly name: string; readonly value: string }[];
  }[];
  /** Notes (≤ 3000 each). */
  readonly additionalInfo?: readonly string[];
}
