import { LIFEBOAT_VERSION } from '../../version.js';
import { quoteIdent } from './mysql-connect.js';
import { quoteString } from './mysql-literals.js';
import {
  clientCharset,
  databaseClause,
  stripDefiner,
  type DatabaseDefaults,
  type SchemaObject,
} from './mysql-objects.js';
import { DUMP_MARK } from './mysql-sniff.js';

/**
 * The session settings at the top of a dump, as mysqldump writes them: versioned comments, so
 * the `mariadb`/`mysql` client executes them and other servers ignore them. Checks are off
 * for the load (the rows are known to be consistent), the time zone is UTC because TIMESTAMP
 * values were read in UTC, and the sql_mode keeps `0` in AUTO_INCREMENT columns. MariaDB's
 * CHECK constraints are off too: rows the source holds against them (written with
 * check_constraint_checks off) would otherwise stop the restore; mariadb-dump leaves them on.
 */
export function headerText(serverVersion: string, database: string): string {
  return `${DUMP_MARK} v1 (lifeboat ${LIFEBOAT_VERSION}, server ${serverVersion})
-- database: ${commentIdent(database)}
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
/*M!100201 SET @OLD_CHECK_CONSTRAINT_CHECKS=@@CHECK_CONSTRAINT_CHECKS, CHECK_CONSTRAINT_CHECKS=0 */;
`;
}

/** Puts back what {@link headerText} changed. */
export function footerText(): string {
  return `/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;
/*M!100201 SET CHECK_CONSTRAINT_CHECKS=@OLD_CHECK_CONSTRAINT_CHECKS */;
-- lifeboat dump completed
`;
}

/**
 * A name for a `-- ` comment line: quoted, with line breaks written as `\n` / `\r`. A name may
 * hold them, and a comment ends at the first one: the rest of the name would be read as SQL.
 */
function commentIdent(name: string): string {
  return quoteIdent(name).replace(/[\r\n]/g, (c) => (c === '\n' ? '\\n' : '\\r'));
}

/** DROP and CREATE of one table. */
export function tableText(name: string, create: string): string {
  return `\n-- table ${commentIdent(name)}\nDROP TABLE IF EXISTS ${quoteIdent(name)};\n${create};\n`;
}

/**
 * DROP and CREATE of one MariaDB sequence and, for a dump with data, `SETVAL` to where it
 * stood, as mariadb-dump writes them (plus the cycle count, which mariadb-dump leaves out).
 */
export function sequenceText(
  name: string,
  create: string,
  state: { next: string; cycles: string } | undefined,
): string {
  const ident = quoteIdent(name);
  const setval = state ? `DO SETVAL(${ident}, ${state.next}, 0, ${state.cycles});\n` : '';
  return `\n-- sequence ${commentIdent(name)}\nDROP SEQUENCE IF EXISTS ${ident};\n${create};\n${setval}`;
}

/**
 * The server shows a column's `DEFAULT NEXTVAL(s)` qualified with the database
 * (`nextval(\`shop\`.\`s\`)`); left so, a restore into another database would keep
 * drawing numbers from the source's sequence. Unqualified, it names the sequence of the
 * database the table is created in. Sequences of other databases stay qualified.
 */
export function unqualifySequences(create: string, database: string): string {
  const db = quoteIdent(database).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return create.replace(new RegExp(`\\b(nextval|lastval|setval)\\(${db}\\.`, 'gi'), '$1(');
}

/**
 * Around the rows of a system-versioned table whose history is dumped, as
 * `mariadb-dump --dump-history` writes it: lets the INSERTs set ROW START / ROW END.
 */
export const HISTORY_ON =
  '/*M!101100 SET @old_system_versioning_insert_history=@@session.system_versioning_insert_history, @@session.system_versioning_insert_history=1 */;\n';
export const HISTORY_OFF =
  '/*M!101100 SET system_versioning_insert_history=@old_system_versioning_insert_history */;\n';

/**
 * A stand-in view with the real view's columns, as mysqldump writes one: every view exists
 * before any real view definition runs, so views that use other views restore in any order.
 */
export function placeholderViewText(name: string, columns: readonly string[]): string {
  const list =
    columns.length === 0 ? '1 AS `x`' : columns.map((c) => `1 AS ${quoteIdent(c)}`).join(', ');
  return `DROP TABLE IF EXISTS ${quoteIdent(name)};\nDROP VIEW IF EXISTS ${quoteIdent(name)};\nCREATE VIEW ${quoteIdent(name)} AS SELECT ${list};\n`;
}

const DROP_KIND: Readonly<Record<SchemaObject['kind'], string>> = {
  view: 'VIEW',
  trigger: 'TRIGGER',
  procedure: 'PROCEDURE',
  function: 'FUNCTION',
  event: 'EVENT',
};

/**
 * One view, trigger, routine or event, created under the sql_mode, collation and (events)
 * time zone it was defined with, because they change what its body means. Bodies with
 * semicolons are wrapped in `DELIMITER ;;` as mysqldump does, which the `mariadb` client and
 * lifeboat's restorer both understand.
 */
export function objectText(
  object: SchemaObject,
  noDefiner: boolean,
  database?: DatabaseDefaults,
): string {
  const create = noDefiner ? stripDefiner(object.create) : object.create;
  const settings = [
    `character_set_client = ${clientCharset(object)}`,
    `sql_mode = ${quoteString(object.sqlMode)}`,
    `collation_connection = ${quoteString(object.collation)}`,
    ...(object.timeZone === undefined ? [] : [`time_zone = ${quoteString(object.timeZone)}`]),
  ];
  const body =
    object.kind === 'view' ? `${create};\n` : `DELIMITER ;;\n${create} ;;\nDELIMITER ;\n`;
  // Created under another database collation than the database has now: the database takes
  // that collation for the moment, as mysqldump does (only in whole-database dumps, which set
  // the database's own defaults first and so know what to go back to).
  const other =
    database !== undefined &&
    object.databaseCollation !== undefined &&
    object.databaseCollation !== database.collation;
  const [before, after] = other
    ? [
        `ALTER DATABASE COLLATE ${object.databaseCollation};\n`,
        `ALTER DATABASE COLLATE ${database.collation};\n`,
      ]
    : ['', ''];
  return `\n-- ${object.kind} ${commentIdent(object.name)}
DROP ${DROP_KIND[object.kind]} IF EXISTS ${quoteIdent(object.name)};
SET @saved_cs_client = @@character_set_client, @saved_sql_mode = @@sql_mode, @saved_col_connection = @@collation_connection, @saved_time_zone = @@time_zone;
SET ${settings.join(', ')};
${before}${body}${after}SET character_set_client = @saved_cs_client, sql_mode = @saved_sql_mode, collation_connection = @saved_col_connection, time_zone = @saved_time_zone;
`;
}

/**
 * The database's own defaults, for whatever database the dump is restored into: `ALTER
 * DATABASE` without a name changes the current one. New tables, and routine parameters and
 * variables without a collation of their own, take these.
 */
export function databaseText(database: DatabaseDefaults): string {
  return `\n-- database\nALTER DATABASE ${databaseClause(database)};\n`;
}
