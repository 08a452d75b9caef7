"""Every portal route, for the app's assembly (one line there)."""

from workflow.portal.agency_pages import AgencyPages
from workflow.portal.assister_pages import AssisterPages
from workflow.portal.client_pages import ClientPages
from workflow.portal.login_pages import PortalLoginController, switch_language
from workflow.portal.profile_pages import ProfilePages
from workflow.portal.referral_pages import ReferralPages
from workflow.portal.support_api import reset_portal_mfa

PORTAL_ROUTES = [PortalLoginController, switch_language, AssisterPages, ClientPages, ProfilePages]
PORTAL_ROUTES += [AgencyPages, reset_portal_mfa]
PORTAL_ROUTES += [ReferralPages]
