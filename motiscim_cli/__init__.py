"""motiscim: preflight for SCIM provisioning from Microsoft Entra ID to Motimate."""

__version__ = "0.1.0"
