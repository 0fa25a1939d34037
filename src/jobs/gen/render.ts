/** XML text of the MCF header and installations, written exactly as mcf-format.md lays them out. */
import { formatEui, type PlannedInstallation } from './model.js';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

export interface HeaderFields {
  readonly schemaVersion: string;
  readonly fileId: string;
  readonly requestingParty: string;
  readonly smso: string;
  readonly cohort: string;
  readonly purpose: string;
  readonly ma: string | null;
  readonly createdAt: string;
  readonly installationCount: number;
  readonly deviceCount: number;
}

export function renderHead(h: HeaderFields): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MigrationCommonFile xmlns="urn:s1mig:mcf:1" schemaVersion="${escapeXml(h.schemaVersion)}">`,
    '  <Header>',
    `    <FileID>${escapeXml(h.fileId)}</FileID>`,
    `    <RequestingParty>${formatEui(h.requestingParty)}</RequestingParty>`,
    `    <SMSO>${escapeXml(h.smso)}</SMSO>`,
    `    <Cohort>${h.cohort}</Cohort>`,
    `    <Purpose>${h.purpose}</Purpose>`,
  ];
  if (h.ma !== null) lines.push(`    <MigrationAuthorisation>${escapeXml(h.ma)}</MigrationAuthorisation>`);
  lines.push(
    `    <CreatedAt>${h.createdAt}</CreatedAt>`,
    `    <InstallationCount>${h.installationCount}</InstallationCount>`,
    `    <DeviceCount>${h.deviceCount}</DeviceCount>`,
    '  </Header>',
    '',
  );
  return lines.join('\n');
}

/** Certificate and credential texts per device, same order as the plan's devices (null = omitted). */
export interface DeviceSecrets {
  readonly certificate: string | null;
  readonly credential: string | null;
}

export function renderInstallation(inst: PlannedInstallation, secrets: readonly DeviceSecrets[]): string {
  const out: string[] = [`  <Installation id="${escapeXml(inst.id)}">`, `    <MigrationType>${escapeXml(inst.migrationType)}</MigrationType>`];
  if (inst.groupId !== undefined) out.push(`    <GroupID>${escapeXml(inst.groupId)}</GroupID>`);
  inst.devices.forEach((d, i) => {
    out.push(
      '    <Device>',
      `      <DeviceID>${escapeXml(d.idText)}</DeviceID>`,
      `      <DeviceType>${escapeXml(d.typeText)}</DeviceType>`,
      `      <Manufacturer>${escapeXml(d.manufacturer)}</Manufacturer>`,
      `      <Model>${escapeXml(d.model)}</Model>`,
      `      <FirmwareVersion>${escapeXml(d.firmware)}</FirmwareVersion>`,
    );
    if (d.mpxn !== undefined) out.push(`      <MPxN>${d.mpxn}</MPxN>`);
    if (d.supplier !== undefined) out.push(`      <ResponsibleSupplier>${formatEui(d.supplier)}</ResponsibleSupplier>`);
    if (d.parent !== undefined) out.push(`      <Parent>${inst.devices[d.parent]!.idText}</Parent>`);
    const s = secrets[i];
    if (s?.certificate != null) out.push(`      <Certificate>${s.certificate}</Certificate>`);
    if (s?.credential != null) out.push(`      <Credential>${s.credential}</Credential>`);
    out.push('    </Device>');
  });
  out.push('  </Installation>', '');
  return out.join('\n');
}
