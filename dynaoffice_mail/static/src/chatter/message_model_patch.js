import { Message } from "@mail/core/common/message_model";
import { Record } from "@mail/core/common/record";
import { patch } from "@web/core/utils/patch";

patch(Message.prototype, {
    setup() {
        super.setup(...arguments);
        /** Posted by assigning mail from a mailbox (mail.message._to_store says so). */
        this.dynaoffice_mail_assigned = Record.attr(false);
    },
});
