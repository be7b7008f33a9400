# Fixes for entra-users-download.csv, written by motiscim fix (--fix-level certain).
#
# Review every block before you run this script: motiscim never runs it. It changes the
# data where it lives, so that Entra provisions correct values to Motimate:
# - cloud users with Microsoft Graph (Update-MgUser; module Microsoft.Graph.Users);
# - users synced from on-premises Active Directory (directorySynced = True) with
#   Set-ADUser (module ActiveDirectory, on a domain-joined machine): Entra refuses Graph
#   writes to attributes synced from AD, and the next sync would overwrite them anyway.
#
# Fix levels: 'certain' fixes only remove what cannot belong in the value (whitespace,
# separators, 'tel:', a written trunk prefix (0)) or turn the international prefix 00
# into '+'. 'probable' fixes also complete numbers with a country code and repair
# mojibake: check those with the user.
# Findings without a fix at this level are listed in their user's block as comments.

# $WhatIf = $true only shows what would change. Set it to $false to apply the changes.
$WhatIf = $true

Connect-MgGraph -Scopes User.ReadWrite.All

# ----------------------------------------------------------------------------------------------
# Row 2 (line 3): ola.nordmann@example.com — cloud user, Object ID e1eaa537-8e5b-55e3-96d3-63e545150d1b
#   Not fixed: P001 error, mobilePhone: Phone number has no leading '+' and country code; Motimate needs '+', the country code and digits; the fix adds the country code of the user's usage location (NO) [a probable fix, '+4798765432', is applied only with --fix-level probable]

# ----------------------------------------------------------------------------------------------
# Row 3 (line 4): jorgen.brathen@example.com — cloud user, Object ID 2f569557-1039-5bf8-941d-50e871b4f619
#   P002 mobilePhone: '+47 987 65 431' -> '+4798765431' (certain)
Update-MgUser -UserId '2f569557-1039-5bf8-941d-50e871b4f619' -MobilePhone '+4798765431' -WhatIf:$WhatIf

# ----------------------------------------------------------------------------------------------
# Row 4 (line 5): ase.odegard@example.com — cloud user, Object ID ba8af978-0dd8-597f-8e19-ca65be18ebed
#   P001 mobilePhone: '004741234568' -> '+4741234568' (certain)
Update-MgUser -UserId 'ba8af978-0dd8-597f-8e19-ca65be18ebed' -MobilePhone '+4741234568' -WhatIf:$WhatIf

# ----------------------------------------------------------------------------------------------
# Row 6 (line 7): sofia.lindqvist@example.com — cloud user, Object ID e8d7c005-e758-5487-a551-1df666d89c14
#   E002 mail: 'sofia.lindqvist@example.com ' -> 'sofia.lindqvist@example.com' (certain)
# mail of a user with an Exchange Online mailbox is managed by Exchange: if this fails, change the primary SMTP address there.
Update-MgUser -UserId 'e8d7c005-e758-5487-a551-1df666d89c14' -Mail 'sofia.lindqvist@example.com' -WhatIf:$WhatIf

# ----------------------------------------------------------------------------------------------
# Row 7 (line 8): juergen.weiss@example.com — cloud user, Object ID 6bd82246-eaba-5b90-9454-644dfdf1e258
#   P002 mobilePhone: '+49 (0) 151 23456789' -> '+4915123456789' (certain)
Update-MgUser -UserId '6bd82246-eaba-5b90-9454-644dfdf1e258' -MobilePhone '+4915123456789' -WhatIf:$WhatIf

# ----------------------------------------------------------------------------------------------
# Row 8 (line 9): nils.haugen@example.com — cloud user, Object ID 6e99477d-a41f-5fae-bd7c-e016af8f1887
#   Not fixed: P006 error, mobilePhone: Phone number was turned into scientific notation by a spreadsheet: its last digits are lost. Check the number in Entra; if it is right there, export again without opening the file in a spreadsheet, otherwise re-enter it as '+', country code and digits

# ----------------------------------------------------------------------------------------------
# Row 9 (line 10): ingrid.haugen@example.com — cloud user, Object ID bb90a771-5f22-554f-ad48-daa40f892688
#   Not fixed: E001 error, mail: Email is not a valid address: The part after the @-sign is not valid. It should have a period.

# ----------------------------------------------------------------------------------------------
# Row 10 (line 11): Per.Hansen@example.com — cloud user, Object ID 709d6a6e-cef7-5d0b-b488-4a3d07a47442
#   Not fixed: U003 error, userPrincipalName: Employee number is not unique: the same userName (ignoring case, Unicode form and surrounding whitespace) is used on row(s) 11; only one of these users can sync

# ----------------------------------------------------------------------------------------------
# Row 11 (line 12): per.hansen@example.com — cloud user, Object ID 257d1ef5-d858-516b-911f-d33cf501b6ce
#   Not fixed: U003 error, userPrincipalName: Employee number is not unique: the same userName (ignoring case, Unicode form and surrounding whitespace) is used on row(s) 10; only one of these users can sync

# ----------------------------------------------------------------------------------------------
# Row 12 (line 13): lars.eriksen@example.com  — cloud user, Object ID 4c53a71c-1761-5b79-b20a-4a0b04c3edd5
#   U002 userPrincipalName: 'lars.eriksen@example.com ' -> 'lars.eriksen@example.com' (certain)
Update-MgUser -UserId '4c53a71c-1761-5b79-b20a-4a0b04c3edd5' -UserPrincipalName 'lars.eriksen@example.com' -WhatIf:$WhatIf

# ----------------------------------------------------------------------------------------------
# Row 13 (line 14): anna.svensson_example.org#EXT#@example.com — cloud user, Object ID cc19de5e-dbf6-59da-828c-82b200ec9bee
#   Not fixed: N001 warning, givenName: Name is empty: the user appears in Motimate without it
#   Not fixed: N001 warning, surname: Name is empty: the user appears in Motimate without it
#   Not fixed: U004 warning, userPrincipalName: Guest account: Entra sends the guest's original address as userName, and that becomes the employee number; make sure guests are meant to be provisioned

# ----------------------------------------------------------------------------------------------
# Row 14 (line 15): mette.dahl@example.com — cloud user, Object ID 97feb682-c0d4-5783-9dcf-33080e954434
#   Not fixed: E003 warning, mail: Email (mail) is empty: the user syncs without an email address; fill in mail, or agree Coalesce([mail],[userPrincipalName]) with Motimate

# ----------------------------------------------------------------------------------------------
# Row 15 (line 16): terje.solberg@example.com — cloud user, Object ID 0f95af11-6e54-56d1-a457-24bac473cb65
#   Not fixed: A001 warning, accountEnabled: Account is disabled in Entra: it will not be provisioned to Motimate

# ----------------------------------------------------------------------------------------------
# Row 16 (line 17): henrik.strand@example.com — cloud user, Object ID c81b5f42-5b5f-51a6-a270-7c26d41d1e46
#   Not changed: the row is malformed (F004), so no value was checked.
#   Not fixed: F004 error: Row has 30 fields, the header has 29: a comma inside an unquoted value (a job title or display name?). Its fields were not checked; quote the value or remove the stray character, or export with Graph or PowerShell Export-Csv.

# ----------------------------------------------------------------------------------------------
# Row 17 (line 18): soren.kristensen@example.com — cloud user, Object ID a6ef0956-1f95-5cae-ac23-14f09095d3a2
#   Not fixed: N004 warning, givenName: Text looks damaged by an encoding round trip (UTF-8 read as cp1252) [a probable fix, 'Søren', is applied only with --fix-level probable]

# ----------------------------------------------------------------------------------------------
# Row 18 (line 19): frida.berg@example.com — cloud user, Object ID b18f6910-e36f-5a97-bf15-8ec6258b8374
#   Not fixed: N003 warning, jobTitle: Starts with a character a spreadsheet runs as a formula: check the value

# ----------------------------------------------------------------------------------------------
# Row 19 (line 20): marit.johansen@example.com — cloud user, Object ID 5ef5612c-a9ee-5079-803a-41ee41d1175b
#   Not fixed: T001 info, jobTitle: Job title spelled several ways, each a separate position in Motimate: 'Sales Manager' (1 user); 'Sales manager' (1 user) [a probable fix, 'Sales Manager', is applied only with --fix-level probable]

# ----------------------------------------------------------------------------------------------
# Row 21 (line 22): liv.andersen@example.com — cloud user, Object ID 891ed62a-7b41-5a71-9d5a-52065e282724
#   Not fixed: P007 warning, mobilePhone: Phone number meets Motimate's format but is not a valid number in NO's numbering plan: check it with the user

# ----------------------------------------------------------------------------------------------
# Row 22 (line 23): ole.pedersen@example.com — cloud user, Object ID 0f518fe4-254d-59f5-ab31-491e23478a3c
#   Not fixed: P005 error, mobilePhone: Phone number contains an extension; Motimate accepts only '+', the country code and digits and has no extension field: keep only the number in mobile and move the extension elsewhere

# ----------------------------------------------------------------------------------------------
# Row 23 (line 24): emily.carter@example.com — cloud user, Object ID e7c3cefe-7bc4-5f0e-8fb2-6647f626e995
#   Not fixed: P001 error, mobilePhone: Phone number has no leading '+' and country code; Motimate needs '+', the country code and digits; the fix adds the country code of the user's usage location (US) [a probable fix, '+12025550143', is applied only with --fix-level probable]

# ----------------------------------------------------------------------------------------------
# Row 24 (line 25): mikkel.lunde@example.com — cloud user, Object ID b4d2cde9-9d39-5c8a-b971-3626be4d4406
#   Not fixed: P001 error, mobilePhone: Phone number has no leading '+' and country code; Motimate needs '+', the country code and digits; no usage location, country or default region is known to complete it, and it is not valid as an international number: add '+' and the country code in Entra

# End: 5 user(s) with changes at --fix-level certain.
